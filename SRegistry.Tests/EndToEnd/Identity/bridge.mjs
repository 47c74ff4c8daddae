// Test-only OIDC provider that signs people in against LDAP: the same shape as a site's LDAP-to-OIDC bridge.
// Configured by environment: OP_PORT, LDAP_URL, CLIENT_ID, CLIENT_SECRET, REDIRECT_URIS, POST_LOGOUT_URIS (comma-separated).
import http from 'node:http';
import crypto from 'node:crypto';
import Provider from 'oidc-provider';
import ldap from 'ldapjs';

const setting = (name, fallback) => process.env[name] ?? fallback;
const port = Number(setting('OP_PORT', '4000'));
const issuer = `http://127.0.0.1:${port}`;
const base = 'dc=hpc,dc=test';

// One short-lived LDAP connection per question: a service bind to find the person, then a bind as them to check the password.
async function withLdap(work) {
  const client = ldap.createClient({ url: setting('LDAP_URL', 'ldap://127.0.0.1:3389'), timeout: 5000, connectTimeout: 5000 });
  client.on('error', () => {});
  try { return await work(client); } finally { client.destroy(); }
}
const bindAs = (client, dn, password) => new Promise((resolve, reject) => client.bind(dn, password, (e) => (e ? reject(e) : resolve())));
const find = (client, searchBase, filter, attributes) => new Promise((resolve, reject) =>
  client.search(searchBase, { scope: 'sub', filter, attributes }, (e, res) => {
    if (e) return reject(e);
    const entries = [];
    res.on('searchEntry', (entry) => entries.push({
      dn: entry.pojo.objectName,
      attrs: Object.fromEntries(entry.pojo.attributes.map((a) => [a.type, a.values])),
    }));
    res.on('error', reject);
    res.on('end', () => resolve(entries));
  }));

async function person(client, uid) {
  await bindAs(client, 'cn=admin,dc=hpc,dc=test', 'adminpw');
  const [entry] = await find(client, `ou=people,${base}`, new ldap.EqualityFilter({ attribute: 'uid', value: uid }), ['uid', 'cn', 'mail']);
  if (!entry) return null;
  const groups = await find(client, `ou=groups,${base}`, new ldap.EqualityFilter({ attribute: 'member', value: entry.dn }), ['cn']);
  return { dn: entry.dn, uid: entry.attrs.uid[0], name: entry.attrs.cn?.[0], email: entry.attrs.mail?.[0], groups: groups.map((g) => g.attrs.cn[0]) };
}

async function checkPassword(uid, password) {
  if (!uid || !password) return null; // an empty password would be an anonymous bind, which LDAP accepts
  return withLdap(async (client) => {
    const found = await person(client, uid);
    if (!found) return null;
    try { await bindAs(client, found.dn, password); return found; } catch { return null; }
  });
}

const list = (name, fallback) => setting(name, fallback).split(',').filter(Boolean);
const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const provider = new Provider(issuer, {
  clients: [{
    client_id: setting('CLIENT_ID', 'sregistry'),
    client_secret: setting('CLIENT_SECRET', 'sregistry-secret'),
    redirect_uris: list('REDIRECT_URIS', 'http://127.0.0.1:5000/signin-oidc'),
    post_logout_redirect_uris: list('POST_LOGOUT_URIS', 'http://127.0.0.1:5000/signout-callback-oidc'),
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_post',
  }],
  jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: crypto.randomBytes(8).toString('hex'), use: 'sig', alg: 'RS256' }] },
  cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
  pkce: { required: () => true },
  scopes: ['openid', 'profile', 'email', 'groups'],
  claims: { profile: ['name', 'preferred_username'], email: ['email', 'email_verified'], groups: ['groups'] },
  features: {
    devInteractions: { enabled: false },
    // Sign-out from the registry ends the provider's session too, without a confirmation page (first-party client).
    rpInitiatedLogout: {
      enabled: true,
      logoutSource: async (ctx, form) => {
        ctx.body = `<!doctype html><html><body>${form.replace('</form>', '<input type="hidden" name="logout" value="yes"></form>')}
<script>document.forms[0].submit()</script></body></html>`;
      },
    },
  },
  findAccount: async (ctx, id) => {
    const found = await withLdap((client) => person(client, id));
    return found && {
      accountId: id,
      claims: async () => ({ sub: found.uid, preferred_username: found.uid, name: found.name, email: found.email, email_verified: true, groups: found.groups }),
    };
  },
  // The registry is a first-party client: grant what it asks for without a consent page.
  loadExistingGrant: async (ctx) => {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope(ctx.oidc.requestParamScopes ? [...ctx.oidc.requestParamScopes].join(' ') : 'openid');
    await grant.save();
    return grant;
  },
});

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const loginPage = (uid, message = '') => `<!doctype html><html><head><title>HPC sign-in</title></head><body>
<h1>HPC sign-in</h1><p id="message">${escape(message)}</p>
<form method="post" action="/interaction/${escape(uid)}/login">
<label>Username <input id="username" name="username" autocomplete="username"></label>
<label>Password <input id="password" name="password" type="password"></label>
<button id="submit" type="submit">Sign in</button></form></body></html>`;
const formOf = (req) => new Promise((resolve) => {
  let text = '';
  req.on('data', (chunk) => { text += chunk; });
  req.on('end', () => resolve(new URLSearchParams(text)));
});

const oidc = provider.callback();
http.createServer(async (req, res) => {
  if (!/^\/interaction\/[\w-]+(\/login)?$/.test(req.url)) return oidc(req, res);
  try {
    const interaction = await provider.interactionDetails(req, res);
    res.setHeader('content-type', 'text/html; charset=utf-8');
    if (req.method === 'GET') return res.end(loginPage(interaction.uid));
    const form = await formOf(req);
    const found = await checkPassword(form.get('username'), form.get('password'));
    if (!found) {
      res.statusCode = 401;
      return res.end(loginPage(interaction.uid, 'Invalid credentials'));
    }
    await provider.interactionFinished(req, res, { login: { accountId: found.uid } }, { mergeWithLastSubmission: false });
  } catch (e) {
    res.statusCode = 400;
    res.end(escape(e));
  }
}).listen(port, '127.0.0.1', () => console.log(`bridge listening on ${issuer}`));
