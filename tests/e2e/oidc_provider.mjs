// A real OpenID Connect provider for the single sign-on browser test: panva's certified
// `oidc-provider` (npm), run by tests/e2e/test_sso.py. Not a mock: discovery, signed ID tokens,
// state, PKCE, the userinfo endpoint and code exchange are the library's own.
//
//   node tests/e2e/oidc_provider.mjs <port> <redirect_uri> <accounts.json>
//
// accounts.json: {"<login>": {"email": …, "email_verified": true, "name": …, "groups": [...]}}.
// The sign-in page is the library's development interaction: type the login, any password.
// Prints "ready <issuer>" on stdout when it listens.
import { readFileSync } from 'node:fs';
import Provider from 'oidc-provider';

const [port, redirectUri, accountsFile] = process.argv.slice(2);
const accounts = JSON.parse(readFileSync(accountsFile, 'utf8'));
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'toppleder',
    client_secret: 'toppleder-test-secret',
    redirect_uris: [redirectUri],
    response_types: ['code'],
    grant_types: ['authorization_code'],
    token_endpoint_auth_method: 'client_secret_post',
  }],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    // amr on the userinfo answer too, so the test can say how the person signed in there.
    profile: ['name', 'amr'],
    groups: ['groups'],
  },
  scopes: ['openid', 'email', 'profile', 'groups'],
  pkce: { required: () => false },
  features: { devInteractions: { enabled: true } },
  async findAccount(ctx, id) {
    const account = accounts[id];
    if (!account) return undefined;
    return {
      accountId: id,
      async claims() {
        return { sub: id, ...account };
      },
    };
  },
  // The test's pages are plain http on 127.0.0.1.
  cookies: { keys: ['toppleder-test-cookie-key'] },
});
provider.proxy = false;

provider.listen(Number(port), '127.0.0.1', () => {
  process.stdout.write(`ready ${issuer}\n`);
});
