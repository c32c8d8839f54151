import type { Queryable } from "../pool.js";

// Its deliveries go with it (ON DELETE CASCADE).
const text = `DELETE FROM webhooks WHERE id = $1`;

export async function deleteWebhook(db: Queryable, id: string): Promise<boolean> {
  const { rowCount } = await db.query({ name: "delete_webhook", text, values: [id] });
  return (rowCount ?? 0) > 0;
}
