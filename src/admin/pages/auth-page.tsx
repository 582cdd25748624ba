/** The auth view: users from the app's userManager, a user's sessions and API keys, with revoke. */
import { CsrfField, Head, timeText, valueText } from "../cells";
import { renderPage } from "../layout";
import type { AdminView } from "../view";

const PAGE = 50;

/** One user's sessions and API keys. */
async function UserDetail(props: { view: AdminView; userId: string }) {
  const { view, userId } = props;
  const users = view.services.users;
  const sessions = users?.sessions ? await users.sessions.listByUser(userId) : undefined;
  const keys = users?.apiKeys ? await users.apiKeys.list(userId) : undefined;
  const base = `${view.services.base}/auth`;
  const revoke = (action: string) => (
    <form method="post" action={action} class="inline" data-confirm="Revoke it?">
      <CsrfField token={view.csrf} />
      <button type="submit" class="danger small">
        Revoke
      </button>
    </form>
  );
  return (
    <>
      <h2>Sessions of {userId}</h2>
      <div class="table-wrap">
        {sessions === undefined ? (
          <p class="empty">The userManager has no sessions store.</p>
        ) : sessions.length === 0 ? (
          <p class="empty">No live sessions.</p>
        ) : (
          <table>
            <tbody>
              {sessions.map((session) => (
                <tr key={session.id}>
                  <td class="actions">
                    {revoke(
                      `${base}/users/${encodeURIComponent(userId)}/sessions/${encodeURIComponent(session.id)}/revoke`,
                    )}
                  </td>
                  <td class="mono">{`${session.id.slice(0, 8)}…`}</td>
                  <td>created {timeText(session.createdAt)}</td>
                  <td>expires {timeText(session.expiresAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      <h2>API keys of {userId}</h2>
      <div class="table-wrap">
        {keys === undefined ? (
          <p class="empty">The userManager has no API key service.</p>
        ) : keys.length === 0 ? (
          <p class="empty">No API keys.</p>
        ) : (
          <table>
            <tbody>
              {keys.map((key) => (
                <tr key={key.id}>
                  <td class="actions">
                    {key.revokedAt ? (
                      <span class="badge s4">revoked</span>
                    ) : (
                      revoke(`${base}/users/${encodeURIComponent(userId)}/keys/${encodeURIComponent(key.id)}/revoke`)
                    )}
                  </td>
                  <td class="mono">{key.id}</td>
                  <td>{key.name}</td>
                  <td>created {timeText(key.createdAt)}</td>
                  <td>last used {timeText(key.lastUsedAt) || "never"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </>
  );
}

/** GET /auth?user=<id>&offset=<n> */
export async function authPage(view: AdminView): Promise<Response> {
  const users = view.services.users;
  const offset = Math.max(0, Number.parseInt(view.c.req.query("offset") ?? "0", 10) || 0);
  const list = users?.listUsers ? await users.listUsers({ limit: PAGE, offset }) : undefined;
  const selected = view.c.req.query("user");
  const notice = view.c.req.query("notice");
  const base = `${view.services.base}/auth`;
  const columns = [...new Set((list ?? []).flatMap((user) => Object.keys(user)))].slice(0, 6);
  const body = (
    <>
      <h1>Auth</h1>
      <p class="lead">Users come from the app's userManager; sessions and API keys can be revoked here.</p>
      {notice ? (
        <div class="notice" role="status">
          {notice}
        </div>
      ) : null}
      <div class="table-wrap">
        {list === undefined ? (
          <p class="empty">Pass admin: {"{ userManager }"} with listUsers to see users here.</p>
        ) : list.length === 0 ? (
          <p class="empty">No users.</p>
        ) : (
          <table>
            <Head columns={["user", ...columns]} />
            <tbody>
              {list.map((user) => (
                <tr key={String(user.id)}>
                  <td class="actions">
                    <a class="button ghost small" href={`${base}?user=${encodeURIComponent(String(user.id))}`}>
                      Sessions &amp; keys
                    </a>
                  </td>
                  {columns.map((column) => (
                    <td key={column}>{valueText(user[column])}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      {list !== undefined && list.length === PAGE ? (
        <div class="pager">
          <a class="button ghost" href={`${base}?offset=${offset + PAGE}`}>
            Next page
          </a>
        </div>
      ) : null}
      {selected ? <UserDetail view={view} userId={selected} /> : null}
    </>
  );
  return renderPage(view, { title: "Auth", active: "auth", body });
}

/** POST /auth/users/:user/sessions/:id/revoke and /auth/users/:user/keys/:id/revoke */
export async function revokeCredential(
  view: AdminView,
  kind: "session" | "api_key",
  userId: string,
  id: string,
): Promise<Response> {
  const users = view.services.users;
  let done = false;
  if (kind === "session" && users?.sessions) {
    await users.sessions.delete(id);
    done = true;
  } else if (kind === "api_key" && users?.apiKeys) {
    done = await users.apiKeys.revoke(id);
  }
  await view.services.record({
    action: `${kind}_revoke`,
    adminId: view.admin.id,
    method: "POST",
    path: view.c.req.path,
    detail: { userId, id, done },
  });
  const notice = done
    ? `Revoked ${kind === "session" ? "session" : "API key"} ${valueText(id).slice(0, 12)}`
    : "Nothing was revoked";
  return view.c.redirect(
    `${view.services.base}/auth?user=${encodeURIComponent(userId)}&notice=${encodeURIComponent(notice)}`,
    303,
  );
}
