/** Placeholder until `introspect ps` lands (issue 7); replaced by the real bench. */
export async function run(): Promise<void> {
  process.stdout.write('introspect ps is not implemented yet: nothing measured\n');
}
