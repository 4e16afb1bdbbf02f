import { z } from 'zod';

/** Nova accepts any value for actions without arguments (`null`, `{}`, ...). */
export const noArgs = z.unknown();
