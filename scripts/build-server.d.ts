export declare const SERVER_OUT: string;
export declare const SERVER_EXTERNAL: string[];
/** Builds `<outdir>/main.js` and `<outdir>/chunks/` (default dist/src). */
export declare function buildServer(outdir?: string): Promise<void>;
