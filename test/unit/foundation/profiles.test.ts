import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ProfileRule } from '../../../core/config/schema.js';
import { IntrospectError, UsageError } from '../../../core/errors.js';
import { Introspector } from '../../../core/pipeline/introspector.js';
import { ProfileRegistry, loadProfileFile, shippedProfilesDir } from '../../../core/profiles/registry.js';
import { formatExplanation, profilesPlugin, requireProfile, resolveProfile, PROFILE_STAGES } from '../../../core/profiles/resolve.js';
import { coerceRelease, compareIntervals, formatInterval, releaseInterval, selectProfile } from '../../../core/profiles/select.js';
import type { Profile, ProfileQuery } from '../../../core/profiles/types.js';
import { validateProfile } from '../../../core/profiles/validate.js';
import { profileJson, project, repoRoot, write } from './helpers.js';

const P = (overrides: Record<string, unknown>): Profile => validateProfile(profileJson(overrides), `${String(overrides.name)}.json`);
const q = (over: Partial<ProfileQuery> = {}): ProfileQuery => ({ kind: 'linux-kernel', imagePath: '/vms/web.raw', release: '6.1.0-56-amd64', arch: 'x86_64', ...over });

describe('profile validation', () => {
  it('accepts a full profile and canonicalises the arch', () => {
    const p = validateProfile(
      profileJson({
        arch: 'amd64',
        flavour: 'rt',
        signature: { banner: 'PREEMPT_RT', buildId: 'ABCDEF01', facts: { 'sizeof(task_struct)': 9792 } },
        data: { structs: { task_struct: { size: 9792, fields: { comm: { offset: 3000, size: 16, type: 'char[16]' } } } }, symbols: { init_task: '0xffffffff82a0c940' } },
        meta: { generatedBy: 'introspect profile build' },
      }),
      'f.json',
    );
    expect(p.arch).toBe('x86_64');
    expect(p.origin).toBe('f.json');
  });

  it.each([
    [{ kind: 'windows' }, '$.kind', 'expected one of'],
    [{ name: undefined }, '$.name', 'missing'],
    [{ name: 'has space' }, '$.name', 'must be letters'],
    [{ versions: 'six.one' }, '$.versions', 'not a valid semver range'],
    [{ versions: '>7 <6' }, '$.versions', 'matches no version'],
    [{ arch: 'vax' }, '$.arch', 'unknown architecture'],
    [{ data: 3 }, '$.data', 'expected an object'],
    [{ extra: 1 }, '$.extra', 'unknown key'],
    [{ signature: { banner: '(' } }, '$.signature.banner', 'regular expression'],
    [{ signature: { sha: 'x' } }, '$.signature.sha', 'unknown key'],
    [{ signature: { buildId: 'xyz' } }, '$.signature.buildId', 'hexadecimal'],
    [{ signature: { facts: { a: [] } } }, '$.signature.facts.a', 'number or a string'],
    [{ data: { structs: { task_struct: { size: 10, fields: { pid: { offset: -4 } } } } } }, '$.data.structs.task_struct.fields.pid.offset', 'non-negative integer'],
    [{ data: { structs: { task_struct: { size: 10, fields: { pid: { offset: 4, sz: 4 } } } } } }, '$.data.structs.task_struct.fields.pid.sz', 'unknown key'],
    [{ data: { structs: { task_struct: { fields: {} } } } }, '$.data.structs.task_struct.size', 'missing'],
    [{ data: { symbols: { init_task: null } } }, '$.data.symbols.init_task', 'number or a string'],
  ])('rejects %j at its JSON path', (overrides, path, reason) => {
    const error = (() => {
      try {
        validateProfile(profileJson(overrides), '/p/bad.json');
      } catch (e) {
        return e as IntrospectError;
      }
      throw new Error('accepted');
    })();
    expect(error).toBeInstanceOf(IntrospectError);
    expect(error.file).toBe('/p/bad.json');
    expect(error.structure).toBe(`profile ${path}`);
    expect(error.reason).toContain(reason);
  });

  it('a JSON syntax error names the file and the offset', () => {
    const dir = project({ 'broken.json': '{"kind": "linux-kernel",, }' });
    const error = (() => {
      try {
        loadProfileFile(join(dir, 'broken.json'));
      } catch (e) {
        return e as IntrospectError;
      }
      throw new Error('accepted');
    })();
    expect(error.file).toBe(join(dir, 'broken.json'));
    expect(error.structure).toBe('profile JSON');
    expect(error.offset).toBe(24);
  });
});

describe('profile registry', () => {
  it('finds the shipped profiles folder from the module location', () => {
    expect(shippedProfilesDir()).toBe(join(repoRoot, 'profiles'));
  });

  it('every shipped profile validates, with unique kind/name', () => {
    const shipped = ProfileRegistry.load();
    expect(shipped.all().length).toBeGreaterThan(0);
    for (const p of shipped.all()) expect(p.origin?.startsWith(join(repoRoot, 'profiles'))).toBe(true);
  });

  it('loads folders recursively and files, skipping *.schema.json', () => {
    const dir = project({
      'a/one.json': profileJson({ name: 'one' }),
      'a/deep/two.json': profileJson({ name: 'two', kind: 'filesystem' }),
      'a/profile.schema.json': { type: 'object' },
      'a/notes.txt': 'not a profile',
      'single.json': profileJson({ name: 'three' }),
    });
    symlinkSync(join(dir, 'single.json'), join(dir, 'a/linked.json'));
    symlinkSync(join(dir, 'a'), join(dir, 'a/deep/loop'));
    const r = ProfileRegistry.load({ shipped: false, paths: [{ path: join(dir, 'a') }] });
    expect(r.all().map((p) => p.name).sort()).toEqual(['one', 'three', 'two']);
    expect(r.get('three')?.origin).toBe(join(dir, 'a/linked.json'));
    expect(ProfileRegistry.load({ shipped: false, paths: [{ path: join(dir, 'single.json') }] }).get('three')?.origin).toBe(join(dir, 'single.json'));
    expect(r.get('two', 'filesystem')?.origin).toBe(join(dir, 'a/deep/two.json'));
    expect(r.get('two', 'linux-kernel')).toBeUndefined();
    expect(r.ofKind('linux-kernel').map((p) => p.name).sort()).toEqual(['one', 'three']);
  });

  it('an invalid profile file fails with its path', () => {
    const dir = project({ 'p/bad.json': profileJson({ versions: 'nope' }) });
    expect(() => ProfileRegistry.load({ shipped: false, paths: [{ path: join(dir, 'p') }] })).toThrow(join(dir, 'p/bad.json'));
  });

  it('a missing profilePaths entry names the configuration key', () => {
    const error = (() => {
      try {
        ProfileRegistry.load({ shipped: false, paths: [{ path: '/no/such/dir', from: { file: '/cfg/.introspectrc', structure: 'configuration key "profilePaths[0]"' } }] });
      } catch (e) {
        return e as IntrospectError;
      }
      throw new Error('accepted');
    })();
    expect(error.file).toBe('/cfg/.introspectrc');
    expect(error.structure).toBe('configuration key "profilePaths[0]"');
  });

  it('a user profile shadows a shipped one of the same kind and name; two user ones collide', () => {
    const r = new ProfileRegistry().add(P({ name: 'x' }), true).add({ ...P({ name: 'x' }), origin: 'user.json' });
    expect(r.get('x')?.origin).toBe('user.json');
    expect(r.shadowed).toHaveLength(1);
    expect(() => r.add({ ...P({ name: 'x' }), origin: 'user2.json' })).toThrow(/also defined in user\.json/);
  });
});

describe('release intervals and specificity', () => {
  it('coerces kernel releases', () => {
    expect(coerceRelease('6.1.0-56-amd64')).toBe('6.1.0');
    expect(coerceRelease('5.10.0-35-686-pae')).toBe('5.10.0');
    expect(coerceRelease('4.19.0-27-arm64')).toBe('4.19.0');
    expect(coerceRelease('unknown')).toBeUndefined();
  });

  it.each([
    ['>=6.1.0 <6.2.0', '[6.1.0, 6.2.0)'],
    ['6.1.x', '[6.1.0, 6.2.0)'],
    ['~6.1.0', '[6.1.0, 6.2.0)'],
    ['^5.10.0', '[5.10.0, 6.0.0)'],
    ['6.1.0', '[6.1.0, 6.1.0]'],
    ['>=6.1.0 <=6.1.90', '[6.1.0, 6.1.90]'],
    ['>=5.0.0', '[5.0.0, ∞)'],
    ['*', '[0.0.0, ∞)'],
    ['5.10.x || 6.1.x', '[5.10.0, 6.2.0)'],
  ])('%s is %s', (range, interval) => {
    expect(formatInterval(releaseInterval(range))).toBe(interval);
  });

  it('compares by containment', () => {
    const i = (r: string) => releaseInterval(r);
    expect(compareIntervals(i('>=6.1.0 <6.1.100'), i('6.1.x'))).toBe(-1);
    expect(compareIntervals(i('6.1.x'), i('>=6.1.0 <6.2.0'))).toBe(0);
    expect(compareIntervals(i('*'), i('6.1.x'))).toBe(1);
    expect(compareIntervals(i('>=6.0.0 <6.1.50'), i('>=6.1.0 <6.2.0'))).toBeUndefined();
  });
});

describe('profile selection', () => {
  const wide = P({ name: 'linux-6', versions: '>=6.0.0 <7.0.0' });
  const narrow = P({ name: 'debian-6.1', versions: '6.1.x' });
  const narrowI386 = P({ name: 'debian-6.1-i386', versions: '6.1.x', arch: 'i386' });
  const anyArch = P({ name: 'debian-6.1-any', versions: '6.1.x', arch: 'any' });
  const old = P({ name: 'debian-5.10', versions: '5.10.x' });

  it('picks the narrowest matching range and explains every candidate', () => {
    const s = selectProfile([wide, old, narrow, narrowI386], q());
    expect(s.profile?.name).toBe('debian-6.1');
    const byName = Object.fromEntries(s.candidates.map((c) => [c.profile.name, c]));
    expect(byName['debian-6.1']).toMatchObject({ accepted: true, won: true });
    expect(byName['linux-6']).toMatchObject({ accepted: true, won: false });
    expect(byName['linux-6'].reason).toContain('[6.1.0, 6.2.0) lies inside [6.0.0, 7.0.0)');
    expect(byName['debian-5.10']).toMatchObject({ accepted: false });
    expect(byName['debian-5.10'].reason).toContain('outside 5.10.x');
    expect(byName['debian-6.1-i386'].reason).toContain('arch i386, the image is x86_64');
    expect(s.explanation.some((l) => l.startsWith('shipped: WON debian-6.1'))).toBe(true);
  });

  it('matches i386 releases like 5.10.0-35-686-pae', () => {
    const i386 = P({ name: 'debian-5.10-i386', versions: '5.10.x', arch: 'i386' });
    expect(selectProfile([old, i386], q({ release: '5.10.0-35-686-pae', arch: 'i686' })).profile?.name).toBe('debian-5.10-i386');
  });

  it('an exact arch beats "any" for the same range; "any" fits other arches', () => {
    expect(selectProfile([anyArch, narrow], q()).profile?.name).toBe('debian-6.1');
    expect(selectProfile([anyArch, narrow], q({ arch: 'aarch64' })).profile?.name).toBe('debian-6.1-any');
  });

  it('two equally specific matches tie and are both listed', () => {
    const twin = P({ name: 'debian-6.1-copy', versions: '>=6.1.0 <6.2.0' });
    const s = selectProfile([wide, narrow, twin], q());
    expect(s.profile).toBeUndefined();
    expect(s.tie?.map((p) => p.name).sort()).toEqual(['debian-6.1', 'debian-6.1-copy']);
  });

  it('overlapping ranges where neither contains the other tie', () => {
    const a = P({ name: 'a', versions: '>=6.0.0 <6.1.50' });
    const b = P({ name: 'b', versions: '>=6.1.0 <6.2.0' });
    expect(selectProfile([a, b], q({ release: '6.1.10' })).tie?.map((p) => p.name)).toEqual(['a', 'b']);
  });

  it('nothing fits when the release is unknown or outside every range', () => {
    expect(selectProfile([narrow], q({ release: undefined })).candidates[0].reason).toContain('release is unknown');
    expect(selectProfile([narrow], q({ release: '6.6.13' })).profile).toBeUndefined();
  });

  it('the signature decides between flavours of the same release', () => {
    const rt = P({ name: 'debian-6.1-rt', versions: '6.1.x', flavour: 'rt', signature: { banner: 'PREEMPT_RT' } });
    const std = P({ name: 'debian-6.1-std', versions: '6.1.x', signature: { banner: 'SMP PREEMPT_DYNAMIC' } });
    const rtBanner = 'Linux version 6.1.0-56-rt-amd64 (debian-kernel@lists.debian.org) #1 SMP PREEMPT_RT Debian 6.1.148-1';
    const s = selectProfile([rt, std], q({ banner: rtBanner }));
    expect(s.profile?.name).toBe('debian-6.1-rt');
    expect(s.candidates.find((c) => c.profile === std)?.reason).toContain('banner check failed');
  });

  it('fact checks come from the query (the plugin that read the image)', () => {
    const a = P({ name: 'a', versions: '6.1.x', signature: { facts: { 'sizeof(task_struct)': 9792 } } });
    const b = P({ name: 'b', versions: '6.1.x', signature: { facts: { 'sizeof(task_struct)': 9728 } } });
    const checkFacts = (facts: Readonly<Record<string, number | string>>) =>
      facts['sizeof(task_struct)'] === 9728 ? undefined : `sizeof(task_struct) is 9728 in the image, profile says ${facts['sizeof(task_struct)']}`;
    const s = selectProfile([a, b], q({ checkFacts }));
    expect(s.profile?.name).toBe('b');
    expect(s.candidates.find((c) => c.profile === a)?.reason).toContain('fact check failed: sizeof(task_struct) is 9728');
    // Without a checker the facts cannot decide: the two tie.
    expect(selectProfile([a, b], q()).tie).toHaveLength(2);
  });

  it('a build id mismatch rejects', () => {
    const a = P({ name: 'a', versions: '6.1.x', signature: { buildId: 'aa11' } });
    expect(selectProfile([a], q({ buildId: 'BB22' })).candidates[0].reason).toContain('build id check failed');
    expect(selectProfile([a], q({ buildId: 'AA11' })).profile?.name).toBe('a');
    // Unknown on the image side: automatic selection refuses to pick it unverified.
    expect(selectProfile([a], q()).candidates[0].reason).toContain('build id is unknown');
  });
});

describe('resolveProfile waterfall', () => {
  const narrow = P({ name: 'debian-6.1', versions: '6.1.x' });
  const rt = P({ name: 'debian-6.1-rt', versions: '>=6.1.0 <6.1.200', signature: { banner: 'PREEMPT_RT' } });
  const i386 = P({ name: 'debian-5.10-i386', versions: '5.10.x', arch: 'i386' });
  const fsProfile = P({ name: 'ext4-any', kind: 'filesystem', versions: '*', arch: 'any' });

  const make = (options: { rules?: ProfileRule[]; requested?: string; configDir?: string } = {}) => {
    const registry = new ProfileRegistry().add(narrow).add(rt).add(i386).add(fsProfile);
    return new Introspector().use(profilesPlugin({ registry: () => registry, configFile: '/cfg/.introspectrc', configDir: '/cfg', ...options }));
  };

  it('falls through to the shipped stage and explains each step', () => {
    const query = q();
    const r = resolveProfile(make(), query);
    expect(r.profile?.name).toBe('debian-6.1');
    expect(r.chosenBy).toBe('shipped');
    expect(r.explanation[0]).toBe('rule: no configuration rules');
    expect(r.explanation[1]).toBe('explicit: none (--profile auto)');
    expect(r.explanation[2]).toBe('image: no plugin derived a profile from the image');
    const text = formatExplanation(r, query);
    expect(text).toContain('rejected debian-6.1-rt');
    expect(text).toContain("requires a banner check and the image's banner is unknown");
    expect(text).toContain('=> debian-6.1 (chosen by shipped)');
  });

  it('a rule matching the image wins over everything; non-matching rules are explained', () => {
    const rules: ProfileRule[] = [
      { match: { image: '*.qcow2' }, profile: 'debian-5.10-i386' },
      { match: { image: 'web.*', release: '6.1.x' }, profile: 'debian-6.1-rt' },
    ];
    const r = resolveProfile(make({ rules, requested: 'debian-6.1' }), q({ banner: 'Linux version 6.1.0 SMP PREEMPT_RT' }));
    expect(r.profile?.name).toBe('debian-6.1-rt');
    expect(r.chosenBy).toBe('rule');
    expect(r.explanation[0]).toContain('rules[0] does not apply: image /vms/web.raw does not match *.qcow2');
    expect(r.explanation.some((l) => l.includes('--profile debian-6.1 not used: chosen by rule'))).toBe(true);
    // The same rule does not pin the profile for another image.
    expect(resolveProfile(make({ rules }), q({ imagePath: '/vms/db.raw' })).profile?.name).toBe('debian-6.1');
  });

  it('rule globs with a slash match the absolute path, relative ones from the config folder', () => {
    const rules: ProfileRule[] = [{ match: { image: 'vms/**/*.raw' }, profile: 'debian-6.1-rt' }];
    const intro = make({ rules, configDir: '/srv' });
    expect(resolveProfile(intro, q({ imagePath: '/srv/vms/a/b.raw' })).chosenBy).toBe('rule');
    expect(resolveProfile(intro, q({ imagePath: '/vms/a/b.raw' })).chosenBy).toBe('shipped');
  });

  it('rules match on banner, release range and arch', () => {
    const rules: ProfileRule[] = [{ match: { banner: 'PREEMPT_RT', release: '>=6.1.0 <6.1.100', arch: 'amd64' }, profile: 'debian-6.1-rt' }];
    const rtBanner = 'Linux version 6.1.0-56-rt-amd64 #1 SMP PREEMPT_RT';
    expect(resolveProfile(make({ rules }), q({ banner: rtBanner })).chosenBy).toBe('rule');
    expect(resolveProfile(make({ rules }), q({ banner: 'SMP PREEMPT_DYNAMIC' })).explanation[0]).toContain('banner does not match');
    expect(resolveProfile(make({ rules }), q({ banner: rtBanner, release: '6.1.150' })).explanation[0]).toContain('outside >=6.1.0 <6.1.100');
    expect(resolveProfile(make({ rules }), q({ banner: rtBanner, arch: 'aarch64' })).explanation[0]).toContain('arch aarch64 is not amd64');
  });

  it('a rule naming an unknown profile is a configuration error', () => {
    const rules: ProfileRule[] = [{ match: { image: '*' }, profile: 'nope' }];
    expect(() => resolveProfile(make({ rules }), q())).toThrow(/\/cfg\/\.introspectrc: configuration key "rules\[0\]\.profile".*no profile named "nope"/);
  });

  it('a forced profile is used when its signature cannot be checked, and says so', () => {
    const r = resolveProfile(make({ requested: 'debian-6.1-rt' }), q());
    expect(r.chosenBy).toBe('explicit');
    expect(r.explanation.join('\n')).toContain('banner not checked (unknown)');
  });

  it('a forced profile must still pass its arch and signature checks', () => {
    expect(() => resolveProfile(make({ requested: 'debian-5.10-i386' }), q())).toThrow(/arch check failed: profile is i386, the image is x86_64/);
    expect(() => resolveProfile(make({ requested: 'debian-6.1-rt' }), q({ banner: 'SMP PREEMPT_DYNAMIC' }))).toThrow(/banner check failed/);
  });

  it('--profile NAME is used as given (ranges not checked); --profile FILE loads the file', () => {
    const r = resolveProfile(make({ requested: 'debian-6.1' }), q({ release: '6.6.0' }));
    expect(r).toMatchObject({ chosenBy: 'explicit', profile: { name: 'debian-6.1' } });
    const dir = project({ 'mine.json': profileJson({ name: 'mine', versions: '1.x' }) });
    const f = resolveProfile(make({ requested: join(dir, 'mine.json') }), q());
    expect(f.profile?.origin).toBe(join(dir, 'mine.json'));
    // The query's own `requested` overrides the plugin's setting.
    expect(resolveProfile(make({ requested: 'debian-6.1' }), q({ requested: 'auto' })).chosenBy).toBe('shipped');
  });

  it('--profile with an unknown name is a usage error listing the known ones', () => {
    expect(() => resolveProfile(make({ requested: 'nope' }), q())).toThrow(UsageError);
    expect(() => resolveProfile(make({ requested: 'nope' }), q())).toThrow(/known linux-kernel profiles: debian-5.10-i386, debian-6.1, debian-6.1-rt/);
  });

  it('--profile naming a profile of another kind leaves this query alone', () => {
    const r = resolveProfile(make({ requested: 'ext4-any' }), q());
    expect(r.chosenBy).toBe('shipped');
    expect(r.explanation[1]).toContain('not a linux-kernel profile');
  });

  it('an image-stage plugin (default stage 0) is consulted after explicit and before shipped', () => {
    const intro = make();
    const fromBtf: Profile = { ...narrow, name: 'btf', origin: 'image' };
    intro.hooks.resolveProfile.tap('btf', (r) => (r.profile ? r : { ...r, profile: fromBtf, chosenBy: 'image' }));
    expect(resolveProfile(intro, q()).profile?.name).toBe('btf');
    expect(resolveProfile(intro, q({ requested: 'debian-6.1' })).chosenBy).toBe('explicit');
    expect(PROFILE_STAGES.image).toBe(0);
  });

  it('a tie at the shipped stage is an error listing both', () => {
    const registry = new ProfileRegistry().add(narrow).add({ ...P({ name: 'twin', versions: '>=6.1.0 <6.2.0' }), origin: '/p/twin.json' });
    const intro = new Introspector().use(profilesPlugin({ registry: () => registry }));
    expect(() => resolveProfile(intro, q())).toThrow(/equally specific profiles match: debian-6.1 .* and twin \(>=6.1.0 <6.2.0, arch x86_64, \/p\/twin.json\)/);
  });

  it('requireProfile says why nothing fits', () => {
    const query = q({ release: '4.19.0-27-amd64' });
    const r = resolveProfile(make(), query);
    expect(r.profile).toBeUndefined();
    expect(() => requireProfile(r, query)).toThrow(/no profile fits \(release 4\.19\.0-27-amd64, arch x86_64\); debian-6\.1: release/);
  });

  it('the registry is only built when a profile is asked for', () => {
    let built = 0;
    const intro = new Introspector().use(profilesPlugin({ registry: () => (built++, new ProfileRegistry().add(narrow)) }));
    expect(built).toBe(0);
    resolveProfile(intro, q());
    resolveProfile(intro, q());
    expect(built).toBe(1);
    void write;
  });
});

describe('profiles through configuration (createIntrospector)', () => {
  const config = async (cwd: string) => (await import('../../../core/config/load.js')).loadConfig({ cwd });
  const create = async (cwd: string, profile?: string) =>
    (await import('../../../core/plugins/create.js')).createIntrospector({ config: await config(cwd), profile, cwd });

  it('a .introspectrc rule pins a profile from profilePaths for one image and not another', async () => {
    const dir = project({
      '.introspectrc.yaml': 'profilePaths: [./profiles]\nrules:\n  - match: { image: "web-*.core" }\n    profile: pinned\n',
      'profiles/pinned.json': profileJson({ name: 'pinned', versions: '>=99.0.0 <100.0.0' }),
      'profiles/nested/narrow.json': profileJson({ name: 'narrow', versions: '99.1.x' }),
    });
    // Release 99.x: no shipped profile can take part.
    const intro = await create(dir);
    expect(resolveProfile(intro, q({ imagePath: '/vms/web-1.core', release: '99.1.3-1-amd64' }))).toMatchObject({ chosenBy: 'rule', profile: { name: 'pinned' } });
    expect(resolveProfile(intro, q({ imagePath: '/vms/db-1.core', release: '99.1.3-1-amd64' }))).toMatchObject({ chosenBy: 'shipped', profile: { name: 'narrow' } });
  });

  it('an invalid profile under profilePaths fails with its path when a profile is needed', async () => {
    const dir = project({ '.introspectrc.json': { profilePaths: ['./p'] }, 'p/bad.json': profileJson({ arch: 'pdp11' }) });
    const intro = await create(dir);
    expect(() => resolveProfile(intro, q())).toThrow(`${join(dir, 'p/bad.json')}: profile $.arch: unknown architecture "pdp11"`);
  });

  it('the configuration `profile` is relative to its file; --profile wins over it', async () => {
    const dir = project({
      'conf/.introspectrc.json': { profile: './mine.json' },
      'conf/mine.json': profileJson({ name: 'mine', versions: '1.x' }),
      'conf/package.json': { name: 'conf' },
      'other.json': profileJson({ name: 'other', versions: '1.x' }),
    });
    expect(resolveProfile(await create(join(dir, 'conf')), q()).profile?.name).toBe('mine');
    const explicit = resolveProfile(await create(join(dir, 'conf'), '../other.json'), q());
    expect(explicit).toMatchObject({ chosenBy: 'explicit', profile: { name: 'other', origin: join(dir, 'other.json') } });
  });
});
