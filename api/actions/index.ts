import type { ServerAction } from './action';
import { osStart } from './os-start';
import { osStop } from './os-stop';
import { reboot } from './reboot';

/** Every `POST /servers/{id}/action` key this service knows, by body key. */
export const SERVER_ACTIONS: ReadonlyMap<string, ServerAction> = new Map(
  [osStop, osStart, reboot].map((a) => [a.key, a as ServerAction]),
);
