import type { FlavorRow, InstanceFlavor } from '../../domain/rows';

/** The part of a flavor an instance keeps (Nova embeds the flavor in the instance). */
export function instanceFlavor(row: FlavorRow | InstanceFlavor): InstanceFlavor {
  const { id, name, vcpus, memory_mb, root_gb, ephemeral_gb, swap_mb, extra_specs } = row;
  return { id, name, vcpus, memory_mb, root_gb, ephemeral_gb, swap_mb, extra_specs };
}
