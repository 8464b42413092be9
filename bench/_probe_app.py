import time, os
from bench_app import serve
from sqlalchemy import event
app = serve()
from ektp_admin.models import db
with app.app_context(): eng = db.engine
stats = {"n": 0, "sql": 0.0, "app": 0.0, "stmts": 0}
@event.listens_for(eng, "before_cursor_execute")
def b(conn, cur, stmt, params, ctx, many): ctx._t = time.perf_counter()
@event.listens_for(eng, "after_cursor_execute")
def a(conn, cur, stmt, params, ctx, many): stats["sql"] += time.perf_counter() - ctx._t; stats["stmts"] += 1
inner = app.wsgi_app
def timed(environ, start_response):
    t = time.perf_counter()
    body = b"".join(inner(environ, start_response))
    stats["app"] += time.perf_counter() - t; stats["n"] += 1
    if stats["n"] % 200 == 0:
        with open("/tmp/probe.txt", "a") as f:
            n = stats["n"]; f.write(f"n={n} app {stats['app']/n*1000:.2f} ms sql {stats['sql']/n*1000:.2f} ms stmts {stats['stmts']/n:.1f}\n")
        for k in stats: stats[k] = 0 if k != "n" else stats[k]
        stats["n"] = 0
    return [body]
app.wsgi_app = timed
