export { LoginCodes } from './login-codes.js';
export type { LoginCode } from './login-codes.js';
export { maskConfig, isSecretKey, MASKED } from './mask-config.js';
export { jobTree, JOB_TREE_SORTS } from './job-tree.js';
export type { JobTreeQuery, JobTreeRow, JobTreePage, JobTreeSort } from './job-tree.js';
export { DashboardRoutes, DASHBOARD_PATH, SESSION_COOKIE } from './dashboard-routes.js';
export type { DashboardRoutesDeps } from './dashboard-routes.js';
export { loadAssets, DASHBOARD_ASSETS_DIR } from './static-assets.js';
export type { StaticAsset } from './static-assets.js';
