import { ApiError, buildUrl } from '../../api/client';

/**
 * Downloads a non-JSON answer (the audit CSV) with the signed-in key: fetch with the Bearer
 * header (a plain link could not send it), then save the blob under the server's file name.
 */
export async function downloadFile(apiKey: string, path: string, query: object, fallbackName: string): Promise<number> {
  const res = await fetch(buildUrl(path, {}, query), { headers: { authorization: `Bearer ${apiKey}` } });
  if (!res.ok) {
    const problem = (await res.json().catch(() => ({}))) as { title?: string; detail?: string };
    throw new ApiError(res.status, problem.title ?? res.statusText, problem.detail ?? `the download failed (${res.status})`);
  }
  const blob = await res.blob();
  const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? fallbackName;
  const url = URL.createObjectURL(blob);
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.download = name;
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return blob.size;
}
