import { NextResponse, type NextRequest } from 'next/server';

/**
 * The app talks only to the BFF, on this same origin: the OAuth steps (/launch for EHR launch,
 * /login for standalone, /reauthorize, /callback) and /api/* are passed to it, so its HttpOnly
 * session cookie belongs to the app's origin. BFF_URL is read at run time.
 */
export function proxy(request: NextRequest) {
  const bff = process.env['BFF_URL'] ?? 'http://localhost:3001';
  const target = new URL(`${request.nextUrl.pathname}${request.nextUrl.search}`, bff);
  return NextResponse.rewrite(target);
}

export const config = {
  matcher: ['/launch', '/login', '/reauthorize', '/callback', '/api/:path*'],
};
