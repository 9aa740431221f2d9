#!/usr/bin/env python3
# attest verify of two builds side by side against `openssl speed ed25519`, trials interleaved so
# that a neighbour's burst hits every side alike.
#   python3 Benchmarks/compare_verify.py BASE_ATTEST NEW_ATTEST TRIALS RECORDS BUNDLE...
# Each BUNDLE needs BUNDLE.pub beside it (attest-bench --write-bundle BUNDLE [--non-repeating]).
import subprocess, statistics, sys, os
B, N = sys.argv[1], sys.argv[2]
trials = int(sys.argv[3])
R = int(sys.argv[4])
BUNDLES = sys.argv[5:]
def openssl_rate():
    out=subprocess.run(['taskset','-c','0','openssl','speed','-seconds','2','ed25519'],capture_output=True,text=True).stdout
    line=[l for l in out.splitlines() if '(Ed25519)' in l][-1]
    return float(line.split()[-1])  # verify/s
def run(binary, bundle, one_core):
    cmd=['/usr/bin/time','-f','%e %M',binary,'verify',bundle,'--key',bundle+'.pub']
    if one_core: cmd=['taskset','-c','0']+cmd
    p=subprocess.run(cmd,capture_output=True,text=True)
    assert p.returncode==0, p.stdout[-300:]+p.stderr[-300:]
    wall,rss=p.stderr.strip().splitlines()[-1].split()
    return float(wall), int(rss)*1024
res={}
for t in range(trials):
    rate=openssl_rate(); res.setdefault('openssl',[]).append(rate)
    for bundle in BUNDLES:
        f=bundle
        for name,binary in [('base',B),('new',N)]:
            for cores in [1,2]:
                wall,rss=run(binary,f,cores==1)
                key=(bundle,name,cores)
                res.setdefault(key,[]).append((wall,rss,rate))
    print('trial',t,'openssl verify/s',rate, flush=True)
med=statistics.median
print('openssl speed ed25519 verify/s (taskset -c 0): median %.0f [%.0f-%.0f]'%(med(res['openssl']),min(res['openssl']),max(res['openssl'])))
for bundle in BUNDLES:
    size=os.path.getsize(bundle)
    for name in ['base','new']:
        one=[w*r/R for (w,_,r) in res[(bundle,name,1)]]
        two=[(R/w)/r for (w,_,r) in res[(bundle,name,2)]]
        rss=[m for (_,m,_) in res[(bundle,name,2)]]
        w2=[w for (w,_,_) in res[(bundle,name,2)]]; w1=[w for (w,_,_) in res[(bundle,name,1)]]
        print('%-6s %-4s one core: per-record time / bare verify %.3f [%.3f-%.3f] (wall %.3f s); two cores: rate / one-core openssl %.3f [%.3f-%.3f] (wall %.3f s); peak RSS %.1f MB = %.2f x bundle (%.1f MB)'%(
            bundle,name,med(one),min(one),max(one),med(w1),med(two),min(two),max(two),med(w2),med(rss)/1e6,med(rss)/size,size/1e6))
