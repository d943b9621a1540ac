// Fails a CI run whose tests modified tracked files (a green run must leave the checkout as it found it).
import { execFileSync } from 'node:child_process';

const changed = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim();
if (changed && process.env.CI) {
  console.error(`The tests modified tracked files:\n${changed}`);
  process.exit(1);
}
if (changed) console.log(`note: tracked files differ from HEAD (fails under CI=true if the tests wrote them):\n${changed}`);
