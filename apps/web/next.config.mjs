/** @type {import('next').NextConfig} */
const nextConfig = {
  poweredByHeader: false,
  reactStrictMode: true,
  // Workspace libs arrive as built ESM (dist); nothing is fetched at build time (no web fonts).
  transpilePackages: [],
  turbopack: { root: new URL('../..', import.meta.url).pathname },
};

export default nextConfig;
