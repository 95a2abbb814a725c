/**
 * The hash router: the current Route as state, `go` to navigate (a history entry), `update` for
 * in-view tweaks (replaces the entry, so Back leaves the view rather than undoing each click).
 * The URL is parsed and written only through routes.ts.
 */
import { defaultRoute, format, parse, type Route, type RouteOf, type ViewName } from './routes.ts';

/** What the router needs of `window` (a fake in Node tests). */
export interface RouterWindow {
  location: { hash: string };
  history: { pushState(data: unknown, unused: string, url: string): void; replaceState(data: unknown, unused: string, url: string): void };
  addEventListener(type: 'hashchange', listener: () => void): void;
  removeEventListener(type: 'hashchange', listener: () => void): void;
}

export class Router {
  route = $state.raw<Route>(parse(''));
  readonly #win: RouterWindow;
  readonly #onHashChange = () => {
    this.route = parse(this.#win.location.hash);
  };

  constructor(win: RouterWindow) {
    this.#win = win;
    this.route = parse(win.location.hash);
    win.addEventListener('hashchange', this.#onHashChange);
  }

  /** Navigates (pushes a history entry; `replace` replaces the current one). */
  go(route: Route, opts: { replace?: boolean } = {}): void {
    const hash = format(route);
    if (opts.replace) this.#win.history.replaceState(null, '', hash);
    else this.#win.history.pushState(null, '', hash);
    this.route = route;
  }

  /** Changes some fields of the current view's route, replacing the history entry. */
  update<V extends ViewName>(view: V, patch: Partial<Omit<RouteOf<V>, 'view'>>): void {
    const current = this.route;
    if (current.view !== view) return;
    this.go({ ...current, ...patch } as Route, { replace: true });
  }

  /**
   * The route of a view: the current one while that view is shown, else its default. A view
   * reads its route through this, so while it is being torn down (the URL already names another
   * view) it still sees a route of its own shape.
   */
  routeOf<V extends ViewName>(view: V): RouteOf<V> {
    const r = this.route;
    return r.view === view ? (r as RouteOf<V>) : defaultRoute(view);
  }

  /** The href of a route, for links. */
  href(route: Route): string {
    return format(route);
  }

  destroy(): void {
    this.#win.removeEventListener('hashchange', this.#onHashChange);
  }
}
