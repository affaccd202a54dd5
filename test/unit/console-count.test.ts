import { expect, test } from "bun:test";
import { count } from "../../src/console/app/dom.ts";

test("the console counts one thing in the singular and others in the plural", () => {
  expect(count(1, "object")).toBe("1 object");
  expect(count(0, "folder")).toBe("0 folders");
  expect(count(1000, "object")).toBe("1000 objects");
});
