import { describe, expect, test } from "bun:test";
import { parseCommandLine } from "../../src/cli/command-line.ts";
import { parseConfigFile } from "../../src/cli/config-file.ts";
import { resolveServeOptions, serveOptionSpecs } from "../../src/cli/serve-options.ts";
import { UsageError } from "../../src/cli/usage-error.ts";

const config = (text: string) => ({
  file: "s3dir.conf",
  values: parseConfigFile(text, "s3dir.conf", serveOptionSpecs),
});

describe("serve options: command line > environment > config file > default", () => {
  test("each source wins over the ones after it", () => {
    const options = resolveServeOptions({
      flags: { port: "9003" },
      env: { S3DIR_PORT: "9002", S3DIR_REGION: "eu-env-1" },
      config: config("port = 9001\nregion = eu-file-1\nfsync = off\n"),
    });
    expect(options.port).toBe(9003);
    expect(options.region).toBe("eu-env-1");
    expect(options.fsync).toBe(false);
    expect(options.root).toBe("./data");
    expect(options["min-free"]).toBeUndefined();
  });

  test("the root comes from S3DIR_ROOT unless --root is given", () => {
    expect(resolveServeOptions({ flags: {}, env: { S3DIR_ROOT: "/srv/s3" } }).root).toBe("/srv/s3");
    expect(resolveServeOptions({ flags: { root: "/x" }, env: { S3DIR_ROOT: "/srv/s3" } }).root).toBe("/x");
  });

  test("an empty variable counts as unset", () => {
    expect(resolveServeOptions({ flags: {}, env: { S3DIR_ROOT: "", S3DIR_PORT: "" } })).toMatchObject({
      root: "./data",
      port: 9000,
    });
  });

  test("a bad value names where it came from", () => {
    const fails = (sources: Parameters<typeof resolveServeOptions>[0], message: RegExp) => {
      expect(() => resolveServeOptions(sources)).toThrow(UsageError);
      expect(() => resolveServeOptions(sources)).toThrow(message);
    };
    fails({ flags: { port: "x" }, env: {} }, /^--port: port must be a number/);
    fails({ flags: {}, env: { S3DIR_MIN_FREE: "lots" } }, /^S3DIR_MIN_FREE: a size such as 1GiB/);
    fails({ flags: {}, env: {}, config: config("fsync = maybe") }, /^s3dir.conf: fsync: on or off/);
    fails({ flags: { "tls-cert": "c.pem" }, env: {} }, /--tls-cert and --tls-key go together/);
  });

  test("a flag is on alone, or set by an inline value, a variable or a file line", () => {
    const flags = (argv: string[]) => parseCommandLine(argv, serveOptionSpecs).values;
    const encrypted = (sources: Parameters<typeof resolveServeOptions>[0]) =>
      resolveServeOptions(sources)["require-encrypted-root"];
    expect(encrypted({ flags: flags(["--require-encrypted-root"]), env: {} })).toBe(true);
    expect(encrypted({ flags: flags(["--require-encrypted-root=off"]), env: {} })).toBe(false);
    expect(encrypted({ flags: {}, env: { S3DIR_REQUIRE_ENCRYPTED_ROOT: "on" } })).toBe(true);
    expect(encrypted({ flags: {}, env: {}, config: config("require-encrypted-root = on") })).toBe(true);
    expect(encrypted({ flags: {}, env: {} })).toBe(false);
  });
});

describe("the config file", () => {
  test("name = value lines, blank lines and # comments", () => {
    const text =
      "# s3dir\n\n  root = /srv/share  \nhost=0.0.0.0\r\ndomain = s3.example.com, s3.example.org\n";
    expect(parseConfigFile(text, "f", serveOptionSpecs)).toEqual({
      root: "/srv/share",
      host: "0.0.0.0",
      domain: "s3.example.com, s3.example.org",
    });
  });

  test("unknown names, lines without '=', repeated names and `config` are errors with the line", () => {
    expect(() => parseConfigFile("prot = 9000", "f", serveOptionSpecs)).toThrow("f:1: unknown option 'prot'");
    expect(() => parseConfigFile("\nport 9000", "f", serveOptionSpecs)).toThrow(
      "f:2: expected 'name = value'",
    );
    expect(() => parseConfigFile("port = 1\nport = 2", "f", serveOptionSpecs)).toThrow(
      "f:2: 'port' is set twice",
    );
    expect(() => parseConfigFile("config = other", "f", serveOptionSpecs)).toThrow("unknown option 'config'");
  });
});

describe("the command line", () => {
  const parse = (argv: string[]) => parseCommandLine(argv, serveOptionSpecs);

  test("--name value and --name=value; a repeated option keeps the last", () => {
    expect(parse(["--port", "1", "--region=eu-1", "--port", "2"]).values).toEqual({
      port: "2",
      region: "eu-1",
    });
  });

  test("unknown options, missing values and values that look like options are usage errors", () => {
    expect(() => parse(["--prot", "1"])).toThrow(new UsageError("unknown option --prot"));
    expect(() => parse(["-p", "1"])).toThrow(new UsageError("unknown option -p"));
    expect(() => parse(["--port"])).toThrow(new UsageError("--port needs a value"));
    expect(() => parse(["--root", "--help"])).toThrow(/--root needs a value, not '--help'/);
    expect(parse(["--root=-odd"]).values.root).toBe("-odd");
  });

  test("--help and -h anywhere ask for help, even beside a mistake", () => {
    expect(parse(["--help"]).help).toBe(true);
    expect(parse(["--port", "1", "-h"]).help).toBe(true);
    expect(parse(["--bogus", "--help"]).help).toBe(true);
  });

  test("positionals are kept for the command to judge, also after --", () => {
    expect(parse(["/srv", "--", "--port"]).positionals).toEqual(["/srv", "--port"]);
  });
});

test("--trusted-proxy is checked when read", () => {
  expect(
    resolveServeOptions({ flags: { "trusted-proxy": "10.0.0.0/8, ::1" }, env: {} })["trusted-proxy"],
  ).toBe("10.0.0.0/8, ::1");
  expect(() => resolveServeOptions({ flags: { "trusted-proxy": "10.0.0.0/99" }, env: {} })).toThrow(
    "--trusted-proxy: addresses or CIDR blocks, separated by commas",
  );
});
