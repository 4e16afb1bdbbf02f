"""Drives every compute operation through openstacksdk, as an operator's script would, and prints one JSON
line per observation for the jest test to assert. Credentials come from the OS_* environment."""
import json
import os
import sys
import time

import openstack
from openstack import exceptions

IMAGE = os.environ["NOVA_TEST_IMAGE"]


def emit(step, **fields):
    print(json.dumps({"step": step, **fields}), flush=True)


def settled(conn, server, status, timeout=90):
    """Polls until the server shows `status` with no task running (the SDK's own wait returns early when the
    local object already has the status it waits for)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        server = conn.compute.get_server(server.id)
        if server.status == status and not server.task_state:
            return server
        if server.status == "ERROR" and status != "ERROR":
            raise RuntimeError(f"server went to ERROR: {server.fault}")
        time.sleep(0.25)
    raise RuntimeError(f"timed out waiting for {status}: {server.status}/{server.task_state}")


def observe(step, server):
    emit(step, status=server.status, host=server.compute_host, flavor=server.flavor.original_name,
         vm_state=server.vm_state, power_state=server.power_state)


def main():
    conn = openstack.connect()
    endpoint = conn.compute.get_endpoint_data()
    emit("discovery", max_microversion="%d.%d" % endpoint.max_microversion)

    server = conn.compute.create_server(name="sdk-lifecycle", flavor_id="1", image_id=IMAGE, networks="none")
    observe("create", settled(conn, server, "ACTIVE"))

    try:
        conn.compute.confirm_server_resize(server)
    except exceptions.ConflictException as err:
        emit("conflict", http_status=err.status_code, message=err.details)

    steps = [
        ("stop", conn.compute.stop_server, "SHUTOFF"),
        ("start", conn.compute.start_server, "ACTIVE"),
        ("reboot", lambda s: conn.compute.reboot_server(s, "HARD"), "ACTIVE"),
        ("pause", conn.compute.pause_server, "PAUSED"),
        ("unpause", conn.compute.unpause_server, "ACTIVE"),
        ("suspend", conn.compute.suspend_server, "SUSPENDED"),
        ("resume", conn.compute.resume_server, "ACTIVE"),
        ("migrate", conn.compute.migrate_server, "VERIFY_RESIZE"),
        ("confirm", conn.compute.confirm_server_resize, "ACTIVE"),
        ("resize", lambda s: conn.compute.resize_server(s, "2"), "VERIFY_RESIZE"),
        ("revert", conn.compute.revert_server_resize, "ACTIVE"),
        ("live-migrate", lambda s: conn.compute.live_migrate_server(s, host=None, block_migration="auto"), "ACTIVE"),
        ("rescue", conn.compute.rescue_server, "RESCUE"),
        ("unrescue", conn.compute.unrescue_server, "ACTIVE"),
    ]
    for step, act, status in steps:
        act(server)
        observe(step, settled(conn, server, status))

    emit("migrations", records=sorted((m.migration_type, m.status) for m in conn.compute.migrations()))
    emit("actions", names=[a.action for a in conn.compute.server_actions(server)])

    conn.compute.delete_server(server)
    conn.compute.wait_for_delete(server, wait=60)
    try:
        conn.compute.get_server(server.id)
    except exceptions.NotFoundException as err:
        emit("deleted", http_status=err.status_code)


if __name__ == "__main__":
    try:
        main()
    except Exception as err:  # the test shows what the client raised
        emit("error", type=type(err).__name__, message=str(err))
        sys.exit(1)
