import packageJson from "../../package.json" with { type: "json" };

/** The version of this s3dir, from package.json. */
export const version: string = packageJson.version;
