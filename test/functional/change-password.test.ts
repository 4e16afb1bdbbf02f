import { HypervisorStep } from '../../activities/compute/fault-switches';
import { guestPasswordMatches } from '../../activities/compute/guest-password';
import { instanceWorkflowId } from '../../domain/naming';
import { expectNovaError } from '../support/http';
import { actionOfReply } from '../support/instance-actions';
import { serverState } from '../support/server-state';
import { useTestStack } from '../support/use-test-stack';

const env = useTestStack({ hosts: [{ name: 'host-a' }] });

afterEach(async () => {
  await env.stack.hypervisor('host-a').faults.clear();
});

async function activeServer(name: string, client = env.api): Promise<string> {
  const id = await client.createServer({ name });
  await client.waitForStatus(id, 'ACTIVE');
  return id;
}

const changePassword = (id: string, adminPass: unknown, client = env.api) =>
  client.action(id, { changePassword: { adminPass } });

async function guestPassword(id: string): Promise<string | undefined> {
  return (await env.stack.hypervisor('host-a').getGuest(id))?.adminPassword;
}

describe('changePassword', () => {
  it("sets the guest's admin password, hashed on the guest, as a changePassword action", async () => {
    const member = env.api.as('pw-user:pw-project');
    const id = await activeServer('pw-web', member);
    const reply = await changePassword(id, 'correct horse battery staple', member);
    expect(reply.status).toBe(202);
    expect(reply.body).toBeUndefined();

    const stored = await guestPassword(id);
    expect(stored).toMatch(/^scrypt\$/);
    expect(guestPasswordMatches(stored, 'correct horse battery staple')).toBe(true);
    expect(guestPasswordMatches(stored, 'wrong')).toBe(false);
    expect(await serverState(env.api, id)).toEqual(['ACTIVE', 'active', null, 1, 'host-a']);
    const action = await actionOfReply(env.api, id, reply);
    expect(action).toMatchObject({ action: 'changePassword', message: null });
    expect(action.events.map((e: any) => [e.event, e.result])).toEqual([['compute_set_admin_password', 'Success']]);
  });

  it('keeps the password out of the workflow history, which holds only its sealed form', async () => {
    const id = await activeServer('pw-history');
    const password = 'never-in-history-8f3a1c';
    expect((await changePassword(id, password)).status).toBe(202);
    const handle = env.stack.client.workflow.getHandle(instanceWorkflowId(env.stack.prefix, id));
    expect((await handle.describe()).type).toBe('changePasswordWorkflow');
    const history = JSON.stringify(await handle.fetchHistory());
    expect(history).toContain('setAdminPassword');
    expect(history).not.toContain(password);
    expect(history).not.toContain(Buffer.from(password).toString('base64'));
    // The payloads are base64 JSON: look inside them too.
    const decoded = [...history.matchAll(/"data":"([A-Za-z0-9+/=]+)"/g)]
      .map((m) => Buffer.from(m[1]!, 'base64').toString('utf8'))
      .join('\n');
    expect(decoded).toContain('"sealed"');
    expect(decoded).not.toContain(password);
  });

  it('answers 409 when the guest agent fails, and the server stays ACTIVE with no task', async () => {
    const id = await activeServer('pw-fails');
    await env.stack.hypervisor('host-a').faults.set(HypervisorStep.SetAdminPassword, { mode: 'abort' });
    const reply = await changePassword(id, 'whatever-1');
    expectNovaError(
      reply,
      409,
      'conflictingRequest',
      `Failed to set admin password on ${id} because error setting admin password`,
    );
    expect(await serverState(env.api, id)).toEqual(['ACTIVE', 'active', null, 1, 'host-a']);
    expect(await actionOfReply(env.api, id, reply)).toMatchObject({ action: 'changePassword', message: 'Error' });
    expect(await guestPassword(id)).toBeUndefined();
  });

  it('answers 409 within seconds when the host does not take the step, and sets nothing', async () => {
    const id = await activeServer('pw-host-down');
    await env.stack.stopHost('host-a');
    try {
      expectNovaError(
        await changePassword(id, 'whatever-2'),
        409,
        'conflictingRequest',
        'Compute service of host-a is unavailable at this time.',
      );
    } finally {
      await env.stack.startHost({ name: 'host-a' });
    }
    expect(await serverState(env.api, id)).toEqual(['ACTIVE', 'active', null, 1, 'host-a']);
    expect(await guestPassword(id)).toBeUndefined();
  }, 60_000);

  it('refuses a stopped server and a locked one with 409, before anything runs', async () => {
    const member = env.api.as('pw-user:pw-project');
    const id = await activeServer('pw-stopped', member);
    expect((await member.action(id, { 'os-stop': null })).status).toBe(202);
    await member.waitForStatus(id, 'SHUTOFF');
    expectNovaError(
      await changePassword(id, 'x', member),
      409,
      'conflictingRequest',
      `Cannot 'changePassword' instance ${id} while it is in vm_state stopped`,
    );
    expect((await member.action(id, { 'os-start': null })).status).toBe(202);
    await member.waitForStatus(id, 'ACTIVE');
    expect((await env.api.action(id, { lock: null })).status).toBe(202);
    expectNovaError(await changePassword(id, 'x', member), 409, 'conflictingRequest', `Instance ${id} is locked`);
    expect(await guestPassword(id)).toBeUndefined();
  });

  it('refuses a malformed body with 400, and never quotes the password in it', async () => {
    const id = await activeServer('pw-bad');
    const messageOf = async (value: unknown) => {
      const reply = await env.api.action(id, { changePassword: value });
      expect(reply.status).toBe(400);
      return reply.body.badRequest.message as string;
    };
    expect(await messageOf({})).toBe(
      "Invalid input for field/attribute changePassword. Value: {}. 'adminPass' is a required property",
    );
    expect(await messageOf({ adminPass: 4242 })).toMatch(
      /^Invalid input for field\/attribute adminPass\. Value: \*\*\*\. /,
    );
    const extra = await messageOf({ adminPass: 'hunter2-secret', user: 'root' });
    expect(extra).toContain("Additional properties are not allowed ('user' was unexpected)");
    expect(extra).not.toContain('hunter2');
    expect(await guestPassword(id)).toBeUndefined();
  });
});
