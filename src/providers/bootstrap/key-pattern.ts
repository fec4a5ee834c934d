/** One OpenSSH public key line: what a machine accepts as its user's authorised key. */
export const publicKeyPattern =
  /^(ssh-(ed25519|rsa)|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com) [A-Za-z0-9+/=]+( [^\r\n]*)?$/;
