/** The desktop shell: windows are views over the core; generation lives here and goes on when a window closes. */
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  net,
  powerMonitor,
  safeStorage,
  session,
  shell,
  type IpcMainInvokeEvent,
  type WebContents,
} from 'electron';
import fs from 'node:fs';
import path from 'node:path';
import {
  loadNativeBinding,
  openPlatformDoor,
  privateDataDir,
  restoreLatestBackup,
  useNativeBinding,
  type PlatformDoor,
  type Subscription,
} from '../core/platform';
import { toErrorShape } from '../../shared/errors';
import type { BridgeReply } from '../../shared/contract';
import { CSP } from '../../shared/csp';
import { describeImport } from '../../shared/exchange';
import { DesktopSettings } from './settings';
import { SafeStorageKeyStore } from './key-store';
import { describe, openWithRecovery } from './recovery';
import { frameRules } from './frames';
import { saveOptions, writeArchive } from './archive-export';

const RENDERER_URL = process.env.ELECTRON_RENDERER_URL; // set by electron-vite in development only
const subscribers = new Map<number, Subscription>(); // by webContents id; each hears only what its window watches
let core: PlatformDoor; // the shell reaches the core only through this door
let settings: DesktopSettings;

const RENDERER_DIR = path.join(import.meta.dirname, '../renderer');

const frames = frameRules(RENDERER_DIR, RENDERER_URL);
const isOwnFrame = frames.isOwnFrame;

function openCore(dataDir: string): PlatformDoor {
  // Load SQLite's native module before the database is touched: a build for the wrong runtime is a setup problem to
  // report (NativeModuleError), never mistaken for a damaged database to restore over.
  loadNativeBinding();
  return openPlatformDoor({
    dataDir,
    provider: settings.provider(),
    settings,
    keys: new SafeStorageKeyStore(safeStorage, settings.prefs, process.platform, (s) => console.log(`[keys] ${s}`)),
    env: process.env,
    dailyBackups: true,
    log: (s) => console.log(`[engine] ${s}`),
  });
}

/**
 * better-sqlite3 built for this Electron (`npm run native:electron`; packaged by electron-builder, unpacked from the
 * asar), never the Node build in node_modules that the tests and the headless host load.
 */
function electronSqliteBuild(): string {
  const file = path.join(app.getAppPath(), 'native', 'electron', 'better_sqlite3.node');
  const unpacked = file.replace(/([\\/])app\.asar([\\/])/, '$1app.asar.unpacked$2');
  return fs.existsSync(unpacked) ? unpacked : file;
}

/** Only the app's own frames may write to the clipboard; a check may omit the frame's URL: then the page's URL counts. */
function allowsPermission(contents: WebContents | null, permission: string, requestingUrl: string | undefined): boolean {
  return frames.allowsPermission(permission, requestingUrl ?? contents?.getURL());
}

function lockDownSession(): void {
  const ses = session.defaultSession;
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } });
  });
  ses.setPermissionRequestHandler((contents, permission, callback, details) =>
    callback(allowsPermission(contents, permission, details.requestingUrl)),
  );
  ses.setPermissionCheckHandler((contents, permission, _origin, details) => allowsPermission(contents, permission, details.requestingUrl));
  // Spellcheck never fetches anything: macOS uses its own spellchecker; Windows its own too, and the Hunspell dictionaries
  // Chromium would otherwise download from Google's CDN (for a language Windows lacks; always on Linux) point at a
  // loopback address that serves nothing. Linux has no OS spellchecker, so spellcheck is off there.
  if (process.platform !== 'darwin') ses.setSpellCheckerDictionaryDownloadURL('http://127.0.0.1:9/');
  ses.setSpellCheckerEnabled(SPELLCHECK);
}

const SPELLCHECK = process.platform !== 'linux';

/** File ▸ Import…: a native picker; the file is streamed by the core, whatever its size. */
async function importFromDialog(): Promise<void> {
  const picked = await dialog.showOpenDialog({
    title: 'Import conversations',
    properties: ['openFile'],
    filters: [{ name: 'ChatGPT, Claude or Holdfast export', extensions: ['json', 'zip'] }],
  });
  const file = picked.filePaths[0];
  if (picked.canceled || !file) return;
  try {
    const r = await core.importFile(file);
    await dialog.showMessageBox({ message: describeImport(r) });
  } catch (err) {
    dialog.showErrorBox('Import failed, nothing was imported', err instanceof Error ? err.message : String(err));
  }
}

/** File ▸ Export all…: every conversation as one archive (a .zip with the files when any message has one), streamed. */
async function exportAllFromDialog(): Promise<void> {
  const archive = core.exportArchive();
  const picked = await dialog.showSaveDialog(saveOptions(archive));
  if (picked.canceled || !picked.filePath) return;
  try {
    await writeArchive(archive, picked.filePath);
  } catch (err) {
    // A full disk or a folder without write access: say so, rather than an unhandled rejection in the main process.
    dialog.showErrorBox('Export failed', err instanceof Error ? err.message : String(err));
  }
}

function createWindow(): BrowserWindow {
  const bounds = settings.prefs.get('bounds') ?? { width: 1100, height: 760 };
  const win = new BrowserWindow({
    ...bounds,
    minWidth: 560,
    minHeight: 400,
    title: 'Holdfast',
    show: false,
    webPreferences: {
      preload: path.join(import.meta.dirname, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: SPELLCHECK,
    },
  });
  win.once('ready-to-show', () => win.show());
  win.on('close', () => settings.prefs.set('bounds', win.getBounds()));
  const contents = win.webContents;
  contents.setWindowOpenHandler(({ url }) => {
    if (/^https?:\/\//.test(url)) void shell.openExternal(url); // links open in the system browser
    return { action: 'deny' };
  });
  contents.on('will-navigate', (e, url) => {
    if (!isOwnFrame(url)) e.preventDefault();
  });
  contents.on('destroyed', () => dropSubscriber(contents.id));
  if (RENDERER_URL) void win.loadURL(RENDERER_URL);
  else void win.loadFile(path.join(RENDERER_DIR, 'index.html'));
  return win;
}

function dropSubscriber(id: number): void {
  subscribers.get(id)?.close();
  subscribers.delete(id);
}

function subscribe(contents: WebContents): void {
  dropSubscriber(contents.id); // a reload subscribes again
  subscribers.set(
    contents.id,
    core.connect((event) => {
      if (!contents.isDestroyed()) contents.send('holdfast:event', event);
    }),
  );
}

function wireIpc(): void {
  // Replies are values ({ok, result} or {ok: false, error}): an Error thrown across contextBridge keeps only its message.
  ipcMain.handle('holdfast:invoke', async (e: IpcMainInvokeEvent, method: unknown, input: unknown): Promise<BridgeReply> => {
    if (!isOwnFrame(e.senderFrame?.url))
      return { ok: false, error: { code: 'invalid_input', message: 'IPC from a foreign frame was refused' } };
    try {
      return { ok: true, result: await core.call(String(method), input, { subscription: subscribers.get(e.sender.id) }) };
    } catch (err) {
      return { ok: false, error: toErrorShape(err) };
    }
  });
  ipcMain.on('holdfast:subscribe', (e) => {
    if (isOwnFrame(e.senderFrame?.url)) subscribe(e.sender);
  });
}

function buildMenu(): void {
  const template: Electron.MenuItemConstructorOptions[] = [
    ...(process.platform === 'darwin' ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'File',
      submenu: [
        { id: 'new-window', label: 'New Window', accelerator: 'CmdOrCtrl+N', click: () => createWindow() },
        { label: 'Import…', click: () => void importFromDialog() },
        { label: 'Export all…', click: () => void exportAllFromDialog() },
        { type: 'separator' },
        { role: process.platform === 'darwin' ? 'close' : 'quit' },
      ],
    },
    { role: 'editMenu' },
    { role: 'viewMenu' },
    { role: 'windowMenu' },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}

/** net.isOnline() has no change event: poll it, and probe at once after sleep. */
function watchNetwork(): void {
  let last = net.isOnline();
  setInterval(() => {
    const now = net.isOnline();
    if (now !== last) core.hintNetwork(now);
    last = now;
  }, 1000).unref();
  powerMonitor.on('resume', () => core.hintNetwork(true));
}

// A second start hands over to the first (which opens a window) and quits before touching the data folder.
const primary = app.requestSingleInstanceLock();
if (!primary) app.quit();

app.on('web-contents-created', (_e, contents) => {
  contents.on('will-attach-webview', (ev) => ev.preventDefault());
});

/** Any failure before the first window opens ends in an error window and an exit, never a windowless process. */
function fatal(title: string, err: unknown): void {
  dialog.showErrorBox(title, describe(err, app.isPackaged));
  app.exit(2);
}

function start(): void {
  lockDownSession();
  settings = new DesktopSettings();
  useNativeBinding(electronSqliteBuild());
  const dataDir = process.env.HOLDFAST_DATA_DIR ?? path.join(app.getPath('userData'), 'data');
  // Before anything is written, as the host does: the folder 0700, every file in it 0600 (another local user reads nothing).
  privateDataDir(dataDir);
  const opened = openWithRecovery(
    {
      open: () => openCore(dataDir),
      restore: (err) => restoreLatestBackup(err.file, path.join(dataDir, 'backups')),
      packaged: app.isPackaged,
    },
    {
      offerRestore: (err) =>
        dialog.showMessageBoxSync({
          type: 'error',
          message: 'Holdfast’s database is damaged',
          detail: err.message,
          buttons: ['Restore latest backup', 'Quit'],
          defaultId: 0,
          cancelId: 1,
        }) === 0,
      showDamaged: (err) =>
        void dialog.showMessageBoxSync({
          type: 'error',
          message: 'Holdfast’s database is damaged',
          detail: err.message,
          buttons: ['Quit'],
        }),
      showError: (title, message) => dialog.showErrorBox(title, message),
    },
  );
  if (!opened) {
    app.exit(2); // told the person why; quitting releases the single-instance lock
    return;
  }
  core = opened;
  wireIpc();
  buildMenu();
  watchNetwork();
  createWindow();
  app.on('second-instance', () => createWindow());
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
}

void app
  .whenReady()
  .then(() => {
    if (primary) start();
  })
  .catch((err: unknown) => fatal('Holdfast could not start', err));

// Generation belongs to the main process: closing the last window does not stop answers on macOS; elsewhere it quits,
// and a quit mid-answer leaves it `generating`, resumed at the next start.
app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

let closing = false;
app.on('before-quit', (e) => {
  if (closing || !core) return;
  e.preventDefault();
  closing = true;
  void core.close().finally(() => app.exit(0));
});
