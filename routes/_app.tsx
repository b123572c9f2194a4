import type { AppProps } from "@/framework/types.ts";

export default function App({ Component, assets }: AppProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <title>Voice Coach</title>
        <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
        <link rel="stylesheet" href="/styles.css" />
        <link rel="stylesheet" href="/delivery.css" />
        <script type="module" src={assets["client.js"]} />
      </head>
      <body>
        <Component />
      </body>
    </html>
  );
}
