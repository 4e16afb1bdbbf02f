import { Router } from 'express';
import type { Sql } from 'postgres';
import { contextOf } from '../context';
import { authorize } from '../policy/enforce';
import { listComputeServices } from '../queries/availability-zones';
import { availabilityZonesView } from '../views/availability-zone';

export interface AvailabilityZonesDeps {
  sql: Sql;
  /** Nova's service_down_time: a host that has not reported for longer is not available. */
  serviceDownTimeMs?: number | undefined;
}

const DEFAULT_SERVICE_DOWN_TIME_MS = 60_000;

/** GET /os-availability-zone (anyone) and /os-availability-zone/detail (admins): the zones of the hosts. */
export function createAvailabilityZonesRouter(deps: AvailabilityZonesDeps): Router {
  const router = Router();
  const serviceDownTimeMs = deps.serviceDownTimeMs ?? DEFAULT_SERVICE_DOWN_TIME_MS;

  router.get('/os-availability-zone', async (_req, res) => {
    const services = await listComputeServices(deps.sql, { serviceDownTimeMs });
    res.json(availabilityZonesView(services, { verbose: false }));
  });

  router.get('/os-availability-zone/detail', async (_req, res) => {
    authorize(contextOf(res), 'os_compute_api:os-availability-zone:detail');
    const services = await listComputeServices(deps.sql, { serviceDownTimeMs });
    res.json(availabilityZonesView(services, { verbose: true }));
  });

  return router;
}
