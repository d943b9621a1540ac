/** The local servers and processes tests start, each stopped when its test ends (see cleanup.ts). */
import { FakeAnthropic, type FakeConfig } from './fake-anthropic';
import { startHostProcess, type HostLaunch, type HostProcess } from './host-process';
import { cleanup } from './cleanup';
import { FakeOpenAI, type FakeOpenAIConfig } from './fake-openai';

/** The local Anthropic-compatible server on a free port. */
export async function fakeAnthropic(config: Partial<FakeConfig> = {}): Promise<FakeAnthropic> {
  const fake = await new FakeAnthropic(config).listen();
  cleanup(() => fake.close());
  return fake;
}

/** The local OpenAI-compatible server on a free port. */
export async function fakeOpenAI(config: Partial<FakeOpenAIConfig> = {}): Promise<FakeOpenAI> {
  const fake = await new FakeOpenAI(config).listen();
  cleanup(() => fake.close());
  return fake;
}

/** The headless host as a child process; killed at the end unless the test already stopped it. */
export async function hostProcess(launch: HostLaunch): Promise<HostProcess> {
  const host = await startHostProcess(launch);
  cleanup(() => host.kill('SIGKILL'));
  return host;
}

/** The host run from source (unless `launch` says otherwise), answering through `fake` with a test key. */
export function hostFor(fake: FakeAnthropic, launch: HostLaunch): Promise<HostProcess> {
  return hostProcess({ fromSource: true, ...launch, env: { ANTHROPIC_API_KEY: 'test-key', ANTHROPIC_BASE_URL: fake.url, ...launch.env } });
}
