import { registerSealedColumn } from "@/lib/security/sealed-columns";

/** Associated data binding a connector's sealed credentials to its row: moved elsewhere, it fails to open. */
export const connectorAad = (id: string) => `connectors.sealed_credentials:${id}`;

registerSealedColumn({ table: "connectors", idColumn: "id", column: "sealed_credentials", aad: connectorAad });
