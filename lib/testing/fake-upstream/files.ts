/** Files uploaded through the ChatGPT files API (create → blob PUT → finalize), and who owns each. */
import { randomId } from './tokens';

export type StoredFile = {
  fileId: string;
  accountId: string;
  fileName: string;
  fileSize: number;
  useCase: string;
  mimeType: string;
  /** Secret part of the upload URL, standing in for an Azure SAS signature. */
  signature: string;
  content?: Buffer;
  finalizeCalls: number;
};

/** What tests see of a stored file. */
export type FakeFileRecord = Readonly<Omit<StoredFile, 'signature'>>;

const MIME_TYPES: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  pdf: 'application/pdf',
  txt: 'text/plain',
  md: 'text/markdown',
  json: 'application/json',
  wav: 'audio/wav',
  mp3: 'audio/mpeg',
};

function mimeTypeOf(fileName: string): string {
  const extension = fileName.split('.').pop()?.toLowerCase() ?? '';
  return MIME_TYPES[extension] ?? 'application/octet-stream';
}

export class FileStore {
  private readonly files = new Map<string, StoredFile>();

  create(accountId: string, fileName: string, fileSize: number, useCase: string): StoredFile {
    const file: StoredFile = {
      fileId: randomId('file-'),
      accountId,
      fileName,
      fileSize,
      useCase,
      mimeType: mimeTypeOf(fileName),
      signature: randomId('', 16),
      finalizeCalls: 0,
    };
    this.files.set(file.fileId, file);
    return file;
  }

  get(fileId: string): StoredFile | undefined {
    return this.files.get(fileId);
  }
}

export function blobPath(fileId: string): string {
  return `/blob-storage/${encodeURIComponent(fileId)}`;
}
