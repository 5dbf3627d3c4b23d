import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/prisma/client";

// The one Prisma client. DATABASE_URL always points at a PostgreSQL wire endpoint: the operator's
// PostgreSQL, or the embedded PGlite served by pglite-server (lib/db/embedded.ts).
const globalForPrisma = globalThis as unknown as { __gantryPrisma?: PrismaClient };

function createClient(): PrismaClient {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL is not set (start Gantry through npm run dev/start, which provide it)");
  const adapter = new PrismaPg({ connectionString: url, max: Number(process.env.GANTRY_DB_POOL_SIZE ?? 10) });
  return new PrismaClient({ adapter });
}

export const db: PrismaClient = new Proxy({} as PrismaClient, {
  get(_t, prop) {
    globalForPrisma.__gantryPrisma ??= createClient();
    const client = globalForPrisma.__gantryPrisma as unknown as Record<string | symbol, unknown>;
    const value = client[prop];
    return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(client) : value;
  },
});

export type Db = PrismaClient;
export type Tx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];

export async function disconnectDb(): Promise<void> {
  if (globalForPrisma.__gantryPrisma) await globalForPrisma.__gantryPrisma.$disconnect();
  globalForPrisma.__gantryPrisma = undefined;
}
