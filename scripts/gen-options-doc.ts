/** Writes docs/options.md from the option definitions (test/unit/options-doc.test.ts checks it is current). */
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { renderOptionsDoc } from "../src/cli/options-doc.ts";

const file = resolve(import.meta.dir, "../docs/options.md");
writeFileSync(file, renderOptionsDoc());
process.stdout.write(`wrote ${file}\n`);
