/** Nova's limit on a password a guest posts: four system_metadata items of 255 characters. */
export const SERVER_PASSWORD_MAX_LENGTH = 4 * 255;

/** How a guest's post of its password ended: stored, refused because one is stored already, or the server is gone. */
export type ServerPasswordPostOutcome = 'stored' | 'already-set' | 'gone';
