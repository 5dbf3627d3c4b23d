import { describe, expect, it } from "vitest";
import { dataLossWarnings } from "../../lib/db/migrate";

// The warnings header createMigration writes (the wasm engine cannot run evaluateDataLoss), read from
// SQL in the exact shape the schema engine renders.
describe("dataLossWarnings", () => {
  it.each([
    ["a new table", `-- CreateTable\nCREATE TABLE "t" (\n    "id" TEXT NOT NULL,\n\n    CONSTRAINT "t_pkey" PRIMARY KEY ("id")\n);\n`, []],
    ["a dropped table", `-- DropTable\nDROP TABLE "old";\n`, ["You are about to drop the `old` table. All the data in the table will be lost."]],
    [
      "dropped and required columns in one statement",
      `-- AlterTable\nALTER TABLE "t" DROP COLUMN "a",\nADD COLUMN     "price" DECIMAL(10,2) NOT NULL,\nADD COLUMN     "note" TEXT,\nADD COLUMN     "n" INTEGER NOT NULL DEFAULT 0;\n`,
      [
        "You are about to drop the column `a` on the `t` table. All the data in the column will be lost.",
        "Added the required column `price` to the `t` table without a default value. This is not possible if the table is not empty.",
      ],
    ],
    [
      "type change and new NOT NULL",
      `-- AlterTable\nALTER TABLE "t" ALTER COLUMN "x" SET DATA TYPE INTEGER,\nALTER COLUMN "y" SET NOT NULL;\n`,
      [
        "The type of column `x` on the `t` table changes. Existing values that do not convert will make the migration fail.",
        "Made the column `y` on table `t` required. The migration will fail if there are existing NULL values in that column.",
      ],
    ],
  ])("%s", (_name, sql, expected) => {
    expect(dataLossWarnings(sql)).toEqual(expected);
  });
});
