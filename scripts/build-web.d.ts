/** The project root. */
export const root: string;
/** web/: the dashboard client's sources. */
export const WEB_SOURCES: string;
/** dist/web: where the bundle goes. */
export const WEB_OUT: string;
/** Builds dist/web/dashboard-first.js, dashboard.js and dashboard.css with esbuild. */
export function buildWeb(): Promise<void>;
