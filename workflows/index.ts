export { createServerWorkflow } from './create-server';
export { deleteServerWorkflow } from './delete-server';
export { stopServerWorkflow } from './stop-server';
export { startServerWorkflow } from './start-server';
export { rebootServerWorkflow } from './reboot-server';
export { hostHeartbeatWorkflow, hostReportSignal } from './host-heartbeat';
export { admissionUpdate } from './admission';
export { resizeServerWorkflow } from './resize-server';
