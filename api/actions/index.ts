import type { ServerAction } from './action';
import { evacuate } from './evacuate';
import { createBackup } from './create-backup';
import { createImage } from './create-image';
import { osGetConsoleOutput } from './console-output';
import { triggerCrashDump } from './trigger-crash-dump';
import { osStart } from './os-start';
import { osStop } from './os-stop';
import { lock, unlock } from './lock';
import { migrate } from './migrate';
import { osMigrateLive } from './os-migrate-live';
import { pause } from './pause';
import { reboot } from './reboot';
import { rebuild } from './rebuild';
import { rescue } from './rescue';
import { changePassword } from './change-password';
import { forceDelete, restore } from './deferred-delete';
import { resetState } from './reset-state';
import { resize } from './resize';
import { confirmResize, revertResize } from './resize-decision';
import { resume } from './resume';
import { shelve } from './shelve';
import { shelveOffload } from './shelve-offload';
import { suspend } from './suspend';
import { unpause } from './unpause';
import { unrescue } from './unrescue';
import { unshelve } from './unshelve';

/** Every `POST /servers/{id}/action` key this service knows, by body key. */
export const SERVER_ACTIONS: ReadonlyMap<string, ServerAction> = new Map(
  [
    osStop,
    osStart,
    reboot,
    rebuild,
    resize,
    migrate,
    osMigrateLive,
    confirmResize,
    revertResize,
    pause,
    unpause,
    suspend,
    resume,
    rescue,
    unrescue,
    evacuate,
    createImage,
    createBackup,
    shelve,
    shelveOffload,
    unshelve,
    lock,
    unlock,
    osGetConsoleOutput,
    triggerCrashDump,
    resetState,
    restore,
    forceDelete,
    changePassword,
  ].map((a) => [a.key, a as ServerAction]),
);
