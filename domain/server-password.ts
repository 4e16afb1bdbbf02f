/** Nova's limit on a password a guest posts, in bytes (its MAX_SIZE: four system_metadata items of 255). */
export const SERVER_PASSWORD_MAX_BYTES = 4 * 255;

/** How a guest's post of its password ended: stored, refused because one is stored already, or the server is gone. */
export type ServerPasswordPostOutcome = 'stored' | 'already-set' | 'gone';
