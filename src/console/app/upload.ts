/**
 * Uploads from the browser: small files in one PUT, larger ones in 8 MiB parts
 * (CreateMultipartUpload, UploadPart, CompleteMultipartUpload), each request signed here and sent
 * with XMLHttpRequest for its upload progress. Every file has its bar, cancel and retry; a total
 * bar sums them.
 */
import { formatBytes, h, replace } from "./dom.ts";
import { objectUrl, s3 } from "./s3.ts";
import { clientFor, type SessionCredentials } from "./session.ts";
import { childText, parseXml, queryError } from "./xml.ts";

export const partSize = 8 * 1024 * 1024;

interface Job {
  file: File;
  key: string;
  sent: number;
  state: "queued" | "uploading" | "done" | "failed" | "cancelled";
  xhr?: XMLHttpRequest;
  uploadId?: string;
  row: HTMLElement;
}

/** Sends one signed request with XHR, reporting bytes sent; resolves with the response headers' ETag. */
async function sendPart(
  session: SessionCredentials,
  job: Job,
  url: string,
  body: Blob,
  onProgress: (loaded: number) => void,
): Promise<string> {
  const signed = await clientFor(session, "s3").sign(url, {
    method: "PUT",
    headers: { "content-type": job.file.type || "application/octet-stream" },
  });
  return await new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    job.xhr = xhr;
    xhr.open("PUT", signed.url);
    signed.headers.forEach((value, name) => {
      if (name !== "host") xhr.setRequestHeader(name, value);
    });
    xhr.upload.onprogress = (e) => onProgress(e.loaded);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) resolve(xhr.getResponseHeader("etag") ?? "");
      else reject(queryError(parseXml(xhr.responseText), xhr.status));
    };
    xhr.onerror = () => reject(new Error("network error"));
    xhr.onabort = () => reject(new Error("cancelled"));
    xhr.send(body);
  });
}

async function uploadFile(session: SessionCredentials, bucket: string, job: Job, changed: () => void) {
  const { file } = job;
  if (file.size <= partSize) {
    await sendPart(session, job, objectUrl(bucket, job.key), file, (n) => {
      job.sent = n;
      changed();
    });
    return;
  }
  const created = await s3(session, "POST", objectUrl(bucket, job.key, "uploads="), {
    headers: { "content-type": file.type || "application/octet-stream" },
  });
  job.uploadId = childText(parseXml(await created.text()), "UploadId");
  const etags: string[] = [];
  for (let offset = 0, part = 1; offset < file.size; offset += partSize, part++) {
    if ((job.state as Job["state"]) === "cancelled") throw new Error("cancelled");
    const q = `partNumber=${part}&uploadId=${encodeURIComponent(job.uploadId)}`;
    const etag = await sendPart(
      session,
      job,
      objectUrl(bucket, job.key, q),
      file.slice(offset, offset + partSize),
      (n) => {
        job.sent = offset + n;
        changed();
      },
    );
    etags.push(etag);
  }
  const body = `<CompleteMultipartUpload>${etags
    .map(
      (etag, i) =>
        `<Part><PartNumber>${i + 1}</PartNumber><ETag>${etag.replace(/&/g, "&amp;")}</ETag></Part>`,
    )
    .join("")}</CompleteMultipartUpload>`;
  const done = await s3(
    session,
    "POST",
    objectUrl(bucket, job.key, `uploadId=${encodeURIComponent(job.uploadId)}`),
    {
      headers: { "content-type": "application/xml" },
      body,
    },
  );
  const answer = parseXml(await done.text());
  if (answer.documentElement.localName === "Error") throw queryError(answer, 200);
  job.uploadId = undefined;
}

/** The upload panel of one folder: drop zone, picker, per-file rows and the total bar. */
export function uploadPanel(
  session: SessionCredentials,
  bucket: string,
  prefix: string,
  onUploaded: () => void,
): HTMLElement {
  const jobs: Job[] = [];
  const total = h("progress", { id: "upload-total", max: 1, value: 0 });
  const totalText = h("span", { class: "muted", id: "upload-total-text" });
  const list = h("div", { id: "upload-list" });
  const changed = () => {
    const size = jobs.reduce((n, j) => n + j.file.size, 0);
    const sent = jobs.reduce((n, j) => n + (j.state === "done" ? j.file.size : j.sent), 0);
    total.max = Math.max(size, 1);
    total.value = sent;
    replace(totalText, `${formatBytes(sent)} of ${formatBytes(size)}`);
    for (const job of jobs) renderRow(job);
  };
  const start = async (job: Job) => {
    job.state = "uploading";
    job.sent = 0;
    changed();
    try {
      await uploadFile(session, bucket, job, changed);
      job.state = "done";
      onUploaded();
    } catch {
      if ((job.state as Job["state"]) !== "cancelled") job.state = "failed";
      if (job.uploadId) {
        const id = job.uploadId;
        job.uploadId = undefined;
        await s3(session, "DELETE", objectUrl(bucket, job.key, `uploadId=${encodeURIComponent(id)}`)).catch(
          () => {},
        );
      }
    }
    changed();
  };
  const renderRow = (job: Job) => {
    const bar = h("progress", {
      class: "upload-file",
      max: Math.max(job.file.size, 1),
      value: job.state === "done" ? job.file.size : job.sent,
    });
    replace(
      job.row,
      h("span", {}, job.key),
      " ",
      bar,
      " ",
      h(
        "span",
        { class: `upload-state ${job.state === "failed" ? "error" : job.state === "done" ? "ok" : "muted"}` },
        job.state,
      ),
      " ",
      job.state === "uploading"
        ? h(
            "button",
            {
              class: "upload-cancel",
              onclick: () => {
                job.state = "cancelled";
                job.xhr?.abort();
              },
            },
            "Cancel",
          )
        : null,
      job.state === "failed" || job.state === "cancelled"
        ? h("button", { class: "upload-retry", onclick: () => void start(job) }, "Retry")
        : null,
    );
  };
  const add = (files: FileList | null) => {
    for (const file of Array.from(files ?? [])) {
      const job: Job = {
        file,
        key: prefix + file.name,
        sent: 0,
        state: "queued",
        row: h("div", { class: "upload-row" }),
      };
      jobs.push(job);
      list.appendChild(job.row);
      void start(job);
    }
    changed();
  };
  const picker = h("input", {
    type: "file",
    id: "upload-input",
    multiple: true,
    onchange: (e) => add((e.target as HTMLInputElement).files),
  });
  const drop = h(
    "div",
    { class: "drop", id: "upload-drop" },
    "Drop files here to upload them into this folder, or ",
    picker,
  );
  drop.addEventListener("dragover", (e) => {
    e.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    add(e.dataTransfer?.files ?? null);
  });
  return h(
    "section",
    { class: "card" },
    h("h2", {}, "Upload"),
    drop,
    h("div", { class: "row" }, "Total ", total, " ", totalText),
    list,
  );
}
