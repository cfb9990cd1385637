# Compares the extern "C" kernel signatures of native/cuda (macros expanded with g++ -E) with the
# code blocks of native/cuda/ABI.md: names, parameter count, order and C types. Run from the repo root.
import re, subprocess, sys
# kernel signatures from the code (macros expanded by g++ -E with the host shim)
sigs = {}
for m in ['linear','norm','rope','attention','moe','util']:
    out = subprocess.run(['g++','-std=c++20','-E','-P','-I','native/hostcheck/shim','-I','native/cuda','-x','c++',f'native/cuda/{m}.cu'],capture_output=True,text=True).stdout
    for mm in re.finditer(r'extern "C"\s+void\s+(\w+)\s*\(([^)]*)\)', out):
        name, params = mm.group(1), mm.group(2)
        ps = [re.sub(r'\s+',' ',p.strip()) for p in params.split(',')]
        types = [re.sub(r'\s*\w+$','',p).replace(' *','*') for p in ps]
        sigs[name] = types
# signatures from ABI.md code blocks
abi = open('native/cuda/ABI.md').read()
blocks = re.findall(r'```\n(.*?)```', abi, re.S)
doc = {}
for b in blocks:
    b = re.sub(r'//[^\n]*', '', b)
    for mm in re.finditer(r'(\w+(?:<T>)?)\s*\(([^)]*)\)', b):
        name, params = mm.group(1), mm.group(2)
        ps = [re.sub(r'\s+',' ',p.strip()) for p in params.split(',')]
        types = [re.sub(r'\s*\w+$','',p).replace(' *','*') for p in ps]
        doc[name] = types
suffixes = ['f32','f16','bf16','q4_0','q8_0','mxfp4','q4_k','q5_k','q6_k']
expanded = {}
for n,t in doc.items():
    if n.endswith('<T>'):
        for s in suffixes: expanded[n[:-3]+s] = t
    else: expanded[n] = t
bad = 0
for n,t in sigs.items():
    if n not in expanded: print('not in ABI:', n); bad += 1
    elif expanded[n] != t: print('differs:', n, '\n  code', t, '\n  abi ', expanded[n]); bad += 1
for n in expanded:
    if n not in sigs: print('in ABI only:', n); bad += 1
print(len(sigs), 'kernels in code,', bad, 'problems')
