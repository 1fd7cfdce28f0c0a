"""The configuration file, scim.conf: read by the workers and scimctl,
overridden by the environment, refused at start with one line naming the
file, line and setting when anything in it is wrong, and printed with
where each setting came from (scim-fcgi --check-config, scimctl config)."""

import os
import subprocess
import tempfile

from harness import expect_status


def _conf(text):
    f = tempfile.NamedTemporaryFile("w", prefix="scim-e2e-", suffix=".conf", delete=False)
    f.write(text)
    f.close()
    return f.name


def _worker(ctx, *args, env=None):
    run_env = dict(os.environ)
    run_env.pop("SCIM_CONFIG", None)
    run_env.update(env or {})
    proc = subprocess.run([ctx.worker_path, *args], env=run_env, capture_output=True, text=True,
                          timeout=30, stdin=subprocess.DEVNULL)
    return proc.returncode, proc.stdout, proc.stderr


def test_a_bad_file_stops_the_worker_with_the_line_that_is_wrong(ctx):
    path = _conf("# the settings\nSCIM_DATABASE = %s\n\nSCIM_MAX_BODY = 8MB\n" % ctx.database)
    try:
        want = "%s:4: SCIM_MAX_BODY=8MB: not a number of bytes from 1024 to 268435456" % path
        code, out, err = _worker(ctx, "--config", path, "--check-config")
        assert (code, out, err) == (1, "", "scim-fcgi: %s\n" % want), (code, out, err)
        # Started by a web server (as CGI here: the same start), the
        # worker answers nothing and says why in the web server's log.
        r, log = ctx.cgi("GET", "/ServiceProviderConfig", env={"SCIM_CONFIG": path})
        assert r.status == 0 and r.body == b"", r
        assert "level=error" in log and 'msg="%s; not starting"' % want in log, log
        code, out, err = ctx.scimctl("--config", path, "tenant", "list")
        assert (code, err) == (1, "scimctl: %s\n" % want), (code, err)
    finally:
        os.unlink(path)
    for text, line in (("SCIM_MAX_BODYY = 2048\n", "%s:1: SCIM_MAX_BODYY: not a setting "
                         "(scim.conf(5) lists them)"),
                        ("SCIM_LOG_LEVEL = info\nSCIM_LOG_LEVEL = debug\n",
                         "%s:2: SCIM_LOG_LEVEL: set again (first on line 1)"),
                        ("SCIM_LOG_LEVEL: debug\n", "%s:1: not a NAME = value line")):
        path = _conf(text)
        try:
            code, out, err = _worker(ctx, "--config", path, "--check-config")
            assert (code, err) == (1, "scim-fcgi: %s\n" % (line % path)), (text, code, err)
        finally:
            os.unlink(path)
    code, out, err = _worker(ctx, "--check-config", env={"SCIM_CONFIG": "/nonexistent/scim.conf"})
    assert (code, err) == (1, "scim-fcgi: /nonexistent/scim.conf: the configuration file cannot "
                           "be read: No such file or directory\n"), (code, err)


def test_the_worker_serves_with_the_files_settings_and_the_environment_over_them(ctx):
    path = _conf("SCIM_DATABASE = %s\nSCIM_MAX_RESULTS = 7\nSCIM_MAX_BODY = \"4096\"\n" % ctx.database)
    try:
        r, log = ctx.cgi("GET", "/ServiceProviderConfig", env={"SCIM_CONFIG": path, "SCIM_DATABASE": ""})
        expect_status(r, 200, log)
        assert r.json["filter"]["maxResults"] == 7 and r.json["bulk"]["maxPayloadSize"] == 4096, r
        c = ctx.new_tenant()
        r, log = ctx.cgi("GET", "/Users?count=50", token=c.token,
                         env={"SCIM_CONFIG": path, "SCIM_DATABASE": ""})
        expect_status(r, 200, "the database from the file: " + log)
        r, log = ctx.cgi("GET", "/ServiceProviderConfig",
                         env={"SCIM_CONFIG": path, "SCIM_MAX_RESULTS": "9"})
        assert r.json["filter"]["maxResults"] == 9, "the environment overrides the file: %r" % r
    finally:
        os.unlink(path)


def test_check_config_and_scimctl_config_say_where_each_setting_came_from(ctx):
    secret = ctx.unique("pw-")
    path = _conf("SCIM_DATABASE = %s password=%s\n# pages\nSCIM_MAX_RESULTS = 50\n"
                 "SCIM_LOG_LEVEL = warning\n" % (ctx.database, secret))
    try:
        code, out, err = _worker(ctx, "--config", path, "--check-config",
                                 env={"SCIM_LOG_LEVEL": "debug", "SCIM_DATABASE": ""})
        assert code == 0 and err == "", (code, err)
        code, ctl_out, err = ctx.scimctl("--config", path, "config",
                                         env={"SCIM_LOG_LEVEL": "debug", "SCIM_DATABASE": None})
        assert code == 0, err
        for printed in (out, ctl_out):
            lines = {line.split()[0]: line.split(None, 2)[1:] for line in printed.splitlines()
                     if not line.startswith("#")}
            assert printed.startswith("# configuration file: %s\n" % path), printed
            assert lines["SCIM_MAX_RESULTS"] == ["%s:3" % path, "50"], printed
            assert lines["SCIM_LOG_LEVEL"] == ["environment", "debug"], printed
            assert lines["SCIM_MAX_BODY"] == ["default", "1048576"], printed
            assert lines["SCIM_DATABASE"][0] == "%s:1" % path, printed
            assert "password=****" in lines["SCIM_DATABASE"][1], printed
            assert secret not in printed, "the password is never printed"
            assert len(lines) == 12, "every setting: %r" % sorted(lines)
    finally:
        os.unlink(path)
    # scimctl reaches the database the file names.
    path = _conf("SCIM_DATABASE = %s\n" % ctx.database)
    try:
        code, out, err = ctx.scimctl("--config", path, "tenant", "list", env={"SCIM_DATABASE": None})
        assert code == 0, err
        code, out, err = ctx.scimctl("tenant", "list", env={"SCIM_CONFIG": path, "SCIM_DATABASE": None})
        assert code == 0, err
    finally:
        os.unlink(path)
