/** The file in dist/ that holds the hash of the sources it was built from. */
export declare const STAMP_FILE: string;
/** SHA-256 (hex) over every file under `srcDir` (relative path and content, sorted by path). */
export declare function sourceHash(srcDir: string): string;
/** Whether `distDir` holds a build of `srcDir` as it is now. */
export declare function distIsCurrent(srcDir: string, distDir: string): boolean;
