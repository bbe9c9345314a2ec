import { expect } from 'chai';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { elfLinkage } from '../../src/images/elf.js';
import { runCommand, whichProgram } from '../../src/util/exec.js';

describe('ELF linkage', () => {
  it('tells a dynamically linked program from a static one and from a script', async () => {
    // Debian's coreutils are dynamically linked; gcc -static gives a static one.
    expect(elfLinkage(readFileSync('/bin/ls'))).to.equal('dynamic');
    expect(elfLinkage(Buffer.from('#!/bin/sh\necho hi\n'))).to.equal('not-elf');
    expect(elfLinkage(Buffer.alloc(10))).to.equal('not-elf');
    const gcc = await whichProgram('gcc');
    if (!gcc) return;
    const dir = mkdtempSync(join(tmpdir(), 'podchurn-elf-'));
    writeFileSync(join(dir, 'main.c'), 'int main(void) { return 0; }\n');
    const compiled = await runCommand(gcc, ['-static', '-o', join(dir, 'static'), join(dir, 'main.c')]);
    expect(compiled.exitCode, compiled.stderr).to.equal(0);
    expect(elfLinkage(readFileSync(join(dir, 'static')))).to.equal('static');
  });
});
