import { mount } from 'svelte';
import App from './ui/app/App.svelte';
import { createApp } from './ui/app/create-app.ts';

const target = document.getElementById('app');
if (!target) throw new Error('ftlab: #app element missing from index.html');

export default mount(App, { target, props: { app: createApp(window) } });
