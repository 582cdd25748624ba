/** @jsxImportSource react */
/**
 * The page of the files browser test: a file picker and a generated large file, uploaded with
 * useFileUpload, a <progress> bar that follows the upload, and the created row with its link.
 */
import { useState } from "react";
import { createRoot } from "react-dom/client";
import { createClient } from "../../../src/client";
import { useFileUpload, useFiles } from "../../../src/client/react";

declare global {
  interface Window {
    progressLog: number[];
    uploaded: Record<string, unknown> | undefined;
    uploadError: string | undefined;
  }
}

window.progressLog = [];
createClient({ baseUrl: "", headers: { "x-test-user": "ann" } });

interface FileRow {
  id: number;
  name: string;
  size: number;
}

function Uploader() {
  const [seen, setSeen] = useState<number[]>([]);
  const { upload, isUploading, progress, error, file } = useFileUpload<FileRow>({
    resourcePath: "/api/files",
    onSuccess: (row) => {
      window.uploaded = row as unknown as Record<string, unknown>;
    },
    onError: (failure) => {
      window.uploadError = failure.code;
    },
  });
  const files = useFiles<FileRow>("/api/files");
  if (!seen.includes(progress)) {
    window.progressLog.push(progress);
    setSeen([...seen, progress]);
  }
  const big = () => {
    const size = Number(new URLSearchParams(location.search).get("size") ?? 8 * 1024 * 1024);
    const bytes = new Uint8Array(size);
    for (let i = 0; i < size; i += 4096) bytes[i] = i % 251;
    void upload(new File([bytes], "big report ü.bin", { type: "application/octet-stream" }), {
      data: { title: "from the browser" },
    });
  };
  return (
    <div style={{ font: "15px system-ui", margin: "2rem", width: 480 }}>
      <h3>covara file upload</h3>
      <input
        id="picker"
        type="file"
        disabled={isUploading}
        onChange={(e) => e.target.files?.[0] && upload(e.target.files[0])}
      />
      <button id="big" type="button" disabled={isUploading} onClick={big}>
        Upload a generated file
      </button>
      <div style={{ marginTop: "1rem" }}>
        <progress id="bar" max={100} value={progress} style={{ width: "100%", height: 24 }} />
        <div id="percent">{progress} %</div>
      </div>
      <div id="status">{isUploading ? "uploading" : file ? "done" : error ? `error ${error.code}` : "idle"}</div>
      {file && (
        <p>
          Uploaded{" "}
          <a id="link" href={files.getDownloadUrl(file.id)}>
            {file.name}
          </a>{" "}
          ({file.size} bytes)
        </p>
      )}
      <ul id="list">
        {files.items.map((row) => (
          <li key={row.id}>{row.name}</li>
        ))}
      </ul>
    </div>
  );
}

createRoot(document.getElementById("root")!).render(<Uploader />);
