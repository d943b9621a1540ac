/** The desktop shell: windows are views over the core; generation lives here and goes on when a window closes. */
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  net,
  powerMonitor,
  session,
  shell,
  type IpcMainInvokeEvent,
  type WebContents,
} from 'electron';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Core } from '../core/core';
import { toErrorShape } from '../../shared/errors';
import { CSP } from '../../shared/csp';
import { DesktopSettings } from './settings';
import { DamagedDatabaseError, restoreLatestBackup } from '../core/store/backup';

const RENDERER_URL = process.env.ELECTRON_RENDERER_URL; // set by electron-vite in development only
const subscribers = new Map<number, () => void>();
let core: Core;
let settings: DesktopSettings;

const RENDERER_DIR = path.join(import.meta.dirname, '../renderer');

function isOwnFrame(url: string | undefined): boolean {
  if (!url) return false;
  if (RENDERER_URL && url.startsWith(RENDERER_URL)) return true;
  if (!url.startsWith('file:')) return false;
  try {
    return fileURLToPath(url).startsWith(RENDERER_DIR + path.sep); // fileURLToPath, so Windows drive paths compare right
  } catch {
    return false; // not a valid file URL: not ours
  }
}

function openCore(dataDir: string): Core {
  return new Core({ dataDir, provider: settings.provider(), settings, dailyBackups: true, log: (s) => console.log(`[engine] ${s}`) });
}

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
    const r = await core.exchange.importFile(file);
    await dialog.showMessageBox({
      message: `Imported ${r.conversations} conversations (${r.messages} messages) from ${r.format}; ${r.skipped} already here were skipped.`,
    });
  } catch (err) {
    dialog.showErrorBox('Import failed, nothing was imported', err instanceof Error ? err.message : String(err));
  }
}

/** File ▸ Export all…: every conversation as one archive, written piece by piece. */
async function exportAllFromDialog(): Promise<void> {
  const picked = await dialog.showSaveDialog({
    title: 'Export every conversation',
    defaultPath: `holdfast-archive-${new Date().toISOString().slice(0, 10)}.json`,
  });
  if (picked.canceled || !picked.filePath) return;
  await pipeline(Readable.from(core.exchange.exportArchive()), fs.createWriteStream(picked.filePath));
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
      spellcheck: true,
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
  subscribers.get(id)?.();
  subscribers.delete(id);
}

function subscribe(contents: WebContents): void {
  dropSubscriber(contents.id); // a reload subscribes again
  subscribers.set(
    contents.id,
    core.sync.subscribe((event) => {
      if (!contents.isDestroyed()) contents.send('holdfast:event', event);
    }),
  );
}

function wireIpc(): void {
  ipcMain.handle('holdfast:invoke', async (e: IpcMainInvokeEvent, method: unknown, input: unknown) => {
    if (!isOwnFrame(e.senderFrame?.url))
      return { ok: false, error: { code: 'invalid_input', message: 'IPC from a foreign frame was refused' } };
    try {
      return { ok: true, result: await core.call(String(method), input) };
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
    if (now !== last) core.engine.network.hint(now);
    last = now;
  }, 1000).unref();
  powerMonitor.on('resume', () => core.engine.network.hint(true));
}

if (!app.requestSingleInstanceLock()) app.quit();

app.on('web-contents-created', (_e, contents) => {
  contents.on('will-attach-webview', (ev) => ev.preventDefault());
});

void app.whenReady().then(() => {
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } });
  });
  session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));
  settings = new DesktopSettings();
  const dataDir = process.env.HOLDFAST_DATA_DIR ?? path.join(app.getPath('userData'), 'data');
  try {
    core = openCore(dataDir);
  } catch (err) {
    if (!(err instanceof DamagedDatabaseError)) {
      dialog.showErrorBox('Holdfast cannot open its database', err instanceof Error ? err.message : String(err));
      app.exit(2);
      return;
    }
    // A damaged database is never written over: offer the latest good backup.
    const choice = dialog.showMessageBoxSync({
      type: 'error',
      message: 'Holdfast’s database is damaged',
      detail: err.message,
      buttons: err.latestBackup ? ['Restore latest backup', 'Quit'] : ['Quit'],
      defaultId: 0,
    });
    if (!err.latestBackup || choice !== 0) {
      app.exit(2);
      return;
    }
    restoreLatestBackup(err.file, path.join(dataDir, 'backups'));
    core = openCore(dataDir);
  }
  wireIpc();
  buildMenu();
  watchNetwork();
  createWindow();
  app.on('second-instance', () => createWindow());
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});

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
