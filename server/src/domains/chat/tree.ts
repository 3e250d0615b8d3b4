/** The part of a message that makes the tree. */
export interface TreeNode {
  id: string;
  parentId: string | null;
  createdAt: Date;
}

/** The branch ending at `leafId`, root first; empty when the leaf is unknown. */
export function pathTo<N extends TreeNode>(nodes: readonly N[], leafId: string | null): N[] {
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const path: N[] = [];
  for (
    let node = leafId ? byId.get(leafId) : undefined;
    node;
    node = node.parentId ? byId.get(node.parentId) : undefined
  ) {
    path.push(node);
    if (path.length > nodes.length) break; // a cycle cannot be made through the API; never loop on one
  }
  return path.reverse();
}

/** The leaf reached from `id` by following the newest child each time: what showing that branch means. */
export function newestLeafFrom(nodes: readonly TreeNode[], id: string): string {
  const newestChild = new Map<string, TreeNode>();
  for (const node of nodes) {
    if (node.parentId === null) continue;
    const current = newestChild.get(node.parentId);
    if (
      !current ||
      node.createdAt > current.createdAt ||
      (node.createdAt.getTime() === current.createdAt.getTime() && node.id > current.id)
    ) {
      newestChild.set(node.parentId, node);
    }
  }
  let leaf = id;
  for (let steps = 0; steps <= nodes.length; steps++) {
    const child = newestChild.get(leaf);
    if (!child) break;
    leaf = child.id;
  }
  return leaf;
}
