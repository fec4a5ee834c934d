import ssh2 from "ssh2";

// ssh2 is CommonJS: Node's ESM loader cannot see its named exports, so read them off the default.
const { utils } = ssh2;

/**
 * A fresh ed25519 key pair in OpenSSH format. ssh2's generator occasionally emits a public
 * key whose leading zero byte was dropped, which its own parser then rejects; such pairs are
 * discarded and generated again.
 */
export function generateEd25519KeyPair(): { private: string; public: string } {
  for (;;) {
    const pair = utils.generateKeyPairSync("ed25519");
    if (!(utils.parseKey(pair.private) instanceof Error) && !(utils.parseKey(pair.public) instanceof Error)) {
      return pair;
    }
  }
}
