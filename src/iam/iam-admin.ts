/**
 * What the IAM Query API needs from the IAM store: users, their access keys, inline policies and
 * attached managed policies. The implementation (iam-admin-service.ts) refuses requests with an
 * IamError (iam-error.ts), which src/s3/query/iam-errors.ts maps to the IAM API's errors.
 */

import type { IamPaths } from "./iam-paths.ts";
import type { NewServiceAccount, ServiceAccount } from "./service-account-admin.ts";

export type IamRole = "admin" | "s3";
export type IamKeyStatus = "Active" | "Inactive";

export interface IamUser {
  name: string;
  /** Stable id in the style of AWS (AIDA…). */
  id: string;
  /** ISO 8601. */
  created: string;
  /** The POSIX owner of the files the user writes (shown by GetUser as s3dir:posix-* tags). */
  posix?: { uid: number; gid: number };
}

export interface IamAccessKey {
  userName: string;
  accessKeyId: string;
  status: IamKeyStatus;
  created: string;
}

export interface IamManagedPolicy {
  name: string;
  /** Stable id in the style of AWS (ANPA…). */
  id: string;
  builtin: boolean;
  /** The policy document (JSON text). */
  document: string;
  created: string;
  updated: string;
  /** How many users have it attached. */
  attachmentCount: number;
}

export interface IamAdmin {
  /** The account this admin acts in (12 digits). */
  readonly account: string;
  /** Where that account's IAM entities live (groups, roles and service accounts are reached here). */
  readonly paths: IamPaths;
  /** The role of a user (root is "admin"); undefined when there is no such user. */
  roleOf(userName: string): Promise<IamRole | undefined>;
  createUser(name: string): Promise<IamUser>;
  getUser(name: string): Promise<IamUser>;
  /** Stored users (not root), sorted by name. */
  listUsers(): Promise<IamUser[]>;
  /** Refused (DeleteConflict) while the user has keys or policies. */
  deleteUser(name: string): Promise<void>;
  createAccessKey(userName: string): Promise<IamAccessKey & { secretAccessKey: string }>;
  listAccessKeys(userName: string): Promise<IamAccessKey[]>;
  /** NoSuchEntity unless the key belongs to the user. */
  updateAccessKey(userName: string, accessKeyId: string, status: IamKeyStatus): Promise<void>;
  deleteAccessKey(userName: string, accessKeyId: string): Promise<void>;
  putUserPolicy(userName: string, policyName: string, document: string): Promise<void>;
  getUserPolicy(userName: string, policyName: string): Promise<string>;
  listUserPolicies(userName: string): Promise<string[]>;
  deleteUserPolicy(userName: string, policyName: string): Promise<void>;
  createPolicy(name: string, document: string): Promise<IamManagedPolicy>;
  getPolicy(name: string): Promise<IamManagedPolicy>;
  /** Built-in and custom policies, sorted by name. */
  listPolicies(): Promise<IamManagedPolicy[]>;
  deletePolicy(name: string): Promise<void>;
  /** Attaching a policy that is already attached succeeds (as in AWS). */
  attachUserPolicy(userName: string, policyName: string): Promise<void>;
  detachUserPolicy(userName: string, policyName: string): Promise<void>;
  listAttachedUserPolicies(userName: string): Promise<string[]>;
  /** A new service account of a user (its secret is shown only here). */
  createServiceAccount(
    userName: string,
    input: NewServiceAccount,
  ): Promise<ServiceAccount & { secretAccessKey: string }>;
}
