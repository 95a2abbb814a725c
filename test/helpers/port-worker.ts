/**
 * A Worker-shaped object over a MessagePort, so that the page's engine client
 * (createEngineClient) runs unchanged in Node against an EngineHost exposed with comlink on the
 * other end of a real MessageChannel.
 */
export class PortWorker extends EventTarget {
  terminated = false;
  constructor(private readonly port: MessagePort) {
    super();
    port.addEventListener('message', (ev) => this.dispatchEvent(new MessageEvent('message', { data: (ev as MessageEvent).data })));
    port.start();
  }
  postMessage(msg: unknown, transfer?: Transferable[]): void {
    this.port.postMessage(msg, transfer ?? []);
  }
  terminate(): void {
    this.terminated = true;
    this.port.close();
  }
  /** What a worker whose script failed does: an 'error' event with a message. */
  crash(message: string): void {
    const ev = new Event('error') as Event & { message: string };
    Object.defineProperty(ev, 'message', { value: message });
    this.dispatchEvent(ev);
  }
}
