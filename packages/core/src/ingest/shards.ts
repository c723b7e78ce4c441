/** Customers per training shard when the caller does not say. */
export const DEFAULT_SHARD_SIZE = 250;

/**
 * Splits customer ids into key prefixes for training shards (SageMaker `ShardedByS3Key`, or one
 * worker batch each): every id's `<root><id>/` key falls under exactly one prefix, and no
 * prefix is a prefix of another.
 *
 * The split follows the ids' characters like a trie: a group larger than `shardSize` splits by
 * its next character, and an id equal to the group's prefix gets its own `<id>/` shard. Prefixes
 * are what S3 can select on, so a shard cannot be an arbitrary list; skewed ids can give
 * shards smaller than `shardSize`. A prefix can also hold customers of earlier runs: the
 * manifest's customer list, not the prefix, says who to train.
 *
 * @param root the dataset's customers prefix, e.g. `customers/default/`.
 * @param ids customer ids (safe identifiers, so `/` never occurs in them).
 * @param shardSize the most customers a shard should hold (≥ 1).
 */
export function shardPrefixes(root: string, ids: string[], shardSize = DEFAULT_SHARD_SIZE): string[] {
  if (ids.length === 0) return [];
  const size = Math.max(1, Math.floor(shardSize));
  const shards: string[] = [];
  const split = (prefix: string, group: string[]) => {
    if (group.length <= size) {
      shards.push(root + prefix);
      return;
    }
    const byNext = new Map<string, string[]>();
    for (const id of group) {
      if (id.length === prefix.length) {
        shards.push(`${root}${id}/`);
        continue;
      }
      const next = id[prefix.length];
      const list = byNext.get(next);
      if (list === undefined) byNext.set(next, [id]);
      else list.push(id);
    }
    for (const [next, list] of [...byNext].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      split(prefix + next, list);
  };
  split("", [...new Set(ids)]);
  return shards.sort();
}
