import { notInArray, sql } from 'drizzle-orm';
import type { AftercareConfig } from '../core/types.js';
import type { Db } from './client.js';
import { departments, staff } from './schema.js';

/**
 * Mirrors the configured departments and staff into Postgres (tickets reference them).
 * Staff removed from the configuration are kept, marked inactive, so history still resolves.
 */
export async function syncDirectory(db: Db, config: AftercareConfig): Promise<void> {
  await db.transaction(async (tx) => {
    const depts = config.departments.map((d) => ({
      id: d.id,
      nameEn: d.name.en,
      nameZh: d.name['zh-CN'],
      channels: { ...d.channels },
      calendar: d.calendar ?? null,
      updatedAt: new Date(),
    }));
    await tx
      .insert(departments)
      .values(depts)
      .onConflictDoUpdate({
        target: departments.id,
        set: {
          nameEn: sql`excluded.name_en`,
          nameZh: sql`excluded.name_zh`,
          channels: sql`excluded.channels`,
          calendar: sql`excluded.calendar`,
          updatedAt: sql`excluded.updated_at`,
        },
      });
    const people = config.departments.flatMap((d) =>
      d.staff.map((s) => ({
        id: s.id,
        departmentId: d.id,
        name: s.name,
        role: s.role,
        language: s.language,
        slackId: s.slack ?? null,
        discordId: s.discord ?? null,
        telegramId: s.telegram ?? null,
        active: true,
        updatedAt: new Date(),
      })),
    );
    if (people.length > 0) {
      await tx
        .insert(staff)
        .values(people)
        .onConflictDoUpdate({
          target: staff.id,
          set: {
            departmentId: sql`excluded.department_id`,
            name: sql`excluded.name`,
            role: sql`excluded.role`,
            language: sql`excluded.language`,
            slackId: sql`excluded.slack_id`,
            discordId: sql`excluded.discord_id`,
            telegramId: sql`excluded.telegram_id`,
            active: true,
            updatedAt: sql`excluded.updated_at`,
          },
        });
    }
    const ids = people.map((p) => p.id);
    await tx
      .update(staff)
      .set({ active: false })
      .where(ids.length ? notInArray(staff.id, ids) : sql`true`);
  });
}
