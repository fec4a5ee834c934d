/** `npm run build`: writes the generated OpenAPI document to dist/openapi.json (docs/api.md, "OpenAPI"). */
import { mkdirSync, writeFileSync } from "node:fs";
import { openApiDocument } from "../src/api/openapi/document";
import { registeredBodyCaps } from "../src/worker/http/body-caps";
import { buildRouter } from "../src/worker/router";

buildRouter(); // records every route's body cap
mkdirSync("dist", { recursive: true });
writeFileSync("dist/openapi.json", `${JSON.stringify(openApiDocument(registeredBodyCaps), null, 2)}\n`);
console.log("wrote dist/openapi.json");
