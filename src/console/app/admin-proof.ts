/**
 * The IAM call whose presigned form proves an admin to the console's settings endpoint: the page
 * signs it (service iam, the body's hash in the signature) and the host replays it with this body.
 */
export const adminProofBody = "Action=ListUsers&MaxItems=1&Version=2010-05-08";
