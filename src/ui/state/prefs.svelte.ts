/**
 * Preferences that are this browser's, not the link's: theme, the paper catalogue's base URL and
 * the webgpu cache backend. Kept in localStorage (injected, so Node tests give a Map).
 */
import { isOneOf } from '../../core/vocabulary.ts';

export const THEMES = ['system', 'light', 'dark'] as const;
export type Theme = (typeof THEMES)[number];

/** The authors' public repository's data folder (raw files), the catalogue's default home. */
export const DEFAULT_CATALOGUE_BASE = 'https://raw.githubusercontent.com/LHRYANG/Generalization_of_FT-LLM/main/data/';

export type PrefsStorage = Pick<Storage, 'getItem' | 'setItem'>;

const KEY = 'ftlab.prefs.v1';

interface Saved {
  theme?: unknown;
  catalogueBase?: unknown;
}

export class Prefs {
  theme = $state<Theme>('system');
  catalogueBase = $state(DEFAULT_CATALOGUE_BASE);
  readonly #storage: PrefsStorage | null;

  constructor(storage: PrefsStorage | null, overrides: { catalogueBase?: string } = {}) {
    this.#storage = storage;
    const saved = this.#read();
    if (isOneOf(THEMES, saved.theme)) this.theme = saved.theme;
    if (typeof saved.catalogueBase === 'string' && saved.catalogueBase) this.catalogueBase = saved.catalogueBase;
    // A deployment (or a test) can point the catalogue elsewhere without touching saved prefs.
    if (overrides.catalogueBase) this.catalogueBase = overrides.catalogueBase;
  }

  setTheme(theme: Theme): void {
    this.theme = theme;
    this.#save();
  }

  setCatalogueBase(url: string): void {
    this.catalogueBase = url.trim() || DEFAULT_CATALOGUE_BASE;
    this.#save();
  }

  #read(): Saved {
    try {
      const raw = this.#storage?.getItem(KEY);
      const parsed: unknown = raw ? JSON.parse(raw) : {};
      return parsed && typeof parsed === 'object' ? (parsed as Saved) : {};
    } catch {
      return {}; // unreadable prefs are not worth an error: defaults
    }
  }

  #save(): void {
    try {
      this.#storage?.setItem(KEY, JSON.stringify({ theme: this.theme, catalogueBase: this.catalogueBase }));
    } catch {
      // storage full or disabled: the choice holds for this session
    }
  }
}
